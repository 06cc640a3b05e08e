import Foundation
import Logging
import PostgresNIO
import ScribeStorage

/// Instance-level blocks by domain (a domain blocks its subdomains too): nothing from a blocked
/// domain is accepted or fetched, nothing is delivered to it, and follows with its accounts end.
public struct DomainBlocks: Sendable {
    let pool: PostgresClient
    let logger: Logger
    /// The whole list, asked by every inbox request: read at most every five seconds, and at
    /// once after this process changes it.
    let cached = MemoryCache<CachedList, Set<String>>(timeToLive: .seconds(5), capacity: 1)

    /// The one thing the cache holds: the list of blocked domains, as a whole.
    enum CachedList: Hashable, Sendable {
        case blockedDomains
    }

    public struct Block: Codable, Sendable, Equatable {
        public var domain: String
        public var reason: String?
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case domain, reason
            case createdAt = "created_at"
        }
    }

    /// A domain as blocks store it: lower case, no port, no trailing dot.
    static func normalize(_ domain: String) -> String? {
        var text = domain.trimmingCharacters(in: .whitespaces).lowercased()
        if let url = URL(string: text), let host = url.host(), url.scheme != nil { text = host }
        text = String(text.split(separator: ":").first ?? "")
        while text.hasSuffix(".") { text.removeLast() }
        guard !text.isEmpty, text.count <= 253, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return text
    }

    public func block(_ domain: String, reason: String?) async throws(SocialError) {
        guard let domain = Self.normalize(domain) else { throw SocialError(.invalidInput, "That is not a domain name.") }
        try await transaction(on: pool, logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO social.domain_blocks (domain, reason) VALUES (\(domain), \(reason))
                ON CONFLICT (domain) DO UPDATE SET reason = EXCLUDED.reason
                """,
                logger: logger
            )
            let pattern = "%." + domain
            try await connection.query(
                """
                UPDATE social.deliveries SET state = 'failed', finished_at = now(), last_error = 'domain blocked'
                WHERE state = 'pending' AND (split_part(host, ':', 1) = \(domain) OR split_part(host, ':', 1) LIKE \(pattern))
                """,
                logger: logger
            )
            try await connection.query(
                """
                DELETE FROM social.follows f USING social.remote_actors a
                WHERE (a.id = f.follower OR a.id = f.followed) AND (split_part(a.host, ':', 1) = \(domain) OR split_part(a.host, ':', 1) LIKE \(pattern))
                """,
                logger: logger
            )
        }
        cached.removeAll()
        logger.notice("domain blocked", metadata: ["domain": .string(domain)])
    }

    public func unblock(_ domain: String) async throws(SocialError) {
        guard let domain = Self.normalize(domain) else { throw SocialError(.invalidInput, "That is not a domain name.") }
        let rows = try await run(logger) {
            try await pool.query("DELETE FROM social.domain_blocks WHERE domain = \(domain) RETURNING 1", logger: logger).collect()
        }
        guard !rows.isEmpty else { throw SocialError(.notFound, "\(domain) is not blocked.") }
        cached.removeAll()
    }

    public func list() async throws(SocialError) -> [Block] {
        let rows = try await run(logger) {
            try await pool.query("SELECT domain, reason, created_at FROM social.domain_blocks ORDER BY domain", logger: logger).collect()
        }
        var blocks: [Block] = []
        for row in rows {
            let (domain, reason, created) = try decode(row, as: (String, String?, Date).self)
            blocks.append(Block(domain: domain, reason: reason, createdAt: created))
        }
        return blocks
    }

    /// Whether the host of `id` (a URL) is blocked, or is a subdomain of a blocked domain.
    public func isBlocked(_ id: String) async throws(SocialError) -> Bool {
        guard let host = URL(string: id)?.host()?.lowercased() else { return false }
        var candidates: [String] = []
        var parts = host.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            candidates.append(parts.joined(separator: "."))
            parts.removeFirst()
        }
        return !(try await blockedDomains()).isDisjoint(with: candidates)
    }

    private func blockedDomains() async throws(SocialError) -> Set<String> {
        if let domains = cached[.blockedDomains] { return domains }
        let rows = try await run(logger) { try await pool.query("SELECT domain FROM social.domain_blocks", logger: logger).collect() }
        var domains: Set<String> = []
        for row in rows { domains.insert(try decode(row, as: String.self)) }
        cached.set(domains, for: .blockedDomains)
        return domains
    }
}
