import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ScribeContracts

/// The numbers apps see as ids of accounts and statuses. Scribe names both by URL; apps want
/// short strings, and many sort them to order a timeline, so each gets a number made as Mastodon
/// makes its ids: milliseconds since 1970 (when the status was written, or the account first
/// shown) shifted left 16 bits, plus 16 random bits. Kept in `mastodon.public_ids`, so an id
/// never changes.
struct PublicIDs: Sendable {
    /// What an id names.
    enum Subject: Hashable, Sendable {
        case account(String)
        case status(String)
        /// `actor`'s boost of `object`.
        case boost(actor: String, object: String)

        var key: String {
            switch self {
            case .account(let actor): "account \(actor)"
            case .status(let object): "status \(object)"
            case .boost(let actor, let object): "boost \(actor) \(object)"
            }
        }

        init?(key: String) {
            let parts = key.split(separator: " ", maxSplits: 2).map(String.init)
            switch (parts.first, parts.count) {
            case ("account", 2): self = .account(parts[1])
            case ("status", 2): self = .status(parts[1])
            case ("boost", 3): self = .boost(actor: parts[1], object: parts[2])
            default: return nil
            }
        }
    }

    let pool: PostgresClient
    let logger: Logger

    /// The id of each subject, made now for those that have none (`written` dates a new one).
    func ids(_ subjects: [(Subject, written: Date)], retrying: Bool = false) async throws(MastodonError) -> [Subject: Int64] {
        var found: [Subject: Int64] = [:]
        var seen = Set<String>()
        let wanted = subjects.filter { seen.insert($0.0.key).inserted }
        guard !wanted.isEmpty else { return found }
        let keys = wanted.map(\.0.key)
        let bySubject = Dictionary(uniqueKeysWithValues: wanted.map { ($0.0.key, $0.0) })
        let rows = try await database(logger) {
            let existing = try await pool.query("SELECT key, id FROM mastodon.public_ids WHERE key = ANY(\(keys))", logger: logger).collect()
            var result = try existing.map { try $0.decode((String, Int64).self) }
            let known = Set(result.map(\.0))
            let missing = wanted.filter { !known.contains($0.0.key) }
            if !missing.isEmpty {
                let newKeys = missing.map(\.0.key)
                let newIDs = missing.map { Self.make(at: $0.written) }
                let made = try await pool.query(
                    """
                    INSERT INTO mastodon.public_ids (id, key) SELECT * FROM unnest(\(newIDs)::bigint[], \(newKeys)::text[])
                    ON CONFLICT DO NOTHING RETURNING key, id
                    """,
                    logger: logger
                ).collect()
                result += try made.map { try $0.decode((String, Int64).self) }
                // Another request made some first (or, once in 65,536, an id was taken): read them.
                if made.count < missing.count {
                    let again = try await pool.query("SELECT key, id FROM mastodon.public_ids WHERE key = ANY(\(newKeys))", logger: logger).collect()
                    result += try again.map { try $0.decode((String, Int64).self) }
                }
            }
            return result
        }
        for (key, id) in rows { if let subject = bySubject[key] { found[subject] = id } }
        // An id taken by another subject in the same millisecond: try once more with new bits.
        let unmade = wanted.filter { found[$0.0] == nil }
        if !unmade.isEmpty, !retrying {
            let retried = try await ids(unmade.map { ($0.0, written: $0.written) }, retrying: true)
            found.merge(retried) { a, _ in a }
        }
        return found
    }

    func id(_ subject: Subject, written: Date) async throws(MastodonError) -> Int64 {
        guard let id = try await ids([(subject, written: written)])[subject] else { throw MastodonError(.serviceUnavailable, "No id could be made") }
        return id
    }

    /// What an id names, if it is one of ours.
    func subject(of id: String) async throws(MastodonError) -> Subject? {
        guard let number = Int64(id) else { return nil }
        let key = try await database(logger) {
            try await pool.query("SELECT key FROM mastodon.public_ids WHERE id = \(number)", logger: logger).collect().first?.decode(String.self)
        }
        return key.flatMap(Subject.init(key:))
    }

    static func make(at date: Date) -> Int64 {
        let milliseconds = Int64(max(0, min(date.timeIntervalSince1970, 4_000_000_000)) * 1000)
        return milliseconds << 16 | Int64(UInt16.random(in: 0...UInt16.max))
    }

    /// The earliest moment an id can have been made at (for paging by time).
    static func date(of id: Int64) -> Date { Date(timeIntervalSince1970: Double(id >> 16) / 1000) }
}
