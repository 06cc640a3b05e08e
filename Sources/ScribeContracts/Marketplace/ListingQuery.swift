import Crypto
import Foundation
import ScribeContracts

/// A search or browse request, parsed and checked: an unknown sort or filter value, a limit out
/// of range or a cursor that does not belong to this query is ``MarketplaceError/Code/invalidInput``.
public struct ListingQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        /// Best match for `q` first (the default when there is a `q`).
        case relevance
        /// Most recently published first (the default otherwise).
        case newest
        case updated
        case downloads
        /// Highest Bayesian-average rating first.
        case top
        /// Downloads decayed over time (half-life three days).
        case trending
    }

    public var text: String?
    public var tags: [String] = []
    public var excludedTags: [String] = []
    public var kind: CoreEvent.SubjectKind?
    /// `sfw` only unless the viewer opts in to `nsfw` (or `all`).
    public var ratings: [String] = ["sfw"]
    public var language: String?
    public var creator: String?
    public var sort: Sort = .newest
    public var limit = 20
    public var after: Cursor?

    /// Where the previous page ended: the sort key (as PostgreSQL prints it, so it converts back
    /// exactly) and the id of its last listing.
    public struct Cursor: Codable, Sendable, Equatable {
        package var key: String
        package var id: UUID
        /// The query the cursor belongs to.
        var query: String
        /// Whether the pages are of names similar to the text (its words found nothing).
        package var similarNames: Bool
    }

    public init() {}

    /// Reads the query string of `GET /api/v1/marketplace/listings`.
    public static func parse(_ parameters: [(String, String)]) throws(MarketplaceError) -> ListingQuery {
        var query = ListingQuery()
        var sort: Sort?
        var cursorText: String?
        for (name, value) in parameters {
            switch name {
            case "q":
                let text = value.trimmingCharacters(in: .whitespaces)
                guard text.count <= 200 else { throw MarketplaceError(.badRequest, "q is limited to 200 characters.") }
                query.text = text.isEmpty ? nil : text
            case "tag": query.tags.append(contentsOf: try tagList(value))
            case "exclude_tag": query.excludedTags.append(contentsOf: try tagList(value))
            case "kind":
                guard let kind = CoreEvent.SubjectKind(rawValue: value), kind != .user else {
                    throw MarketplaceError(.badRequest, "kind is character or lorebook.")
                }
                query.kind = kind
            case "rating":
                switch value {
                case "sfw": query.ratings = ["sfw"]
                case "nsfw": query.ratings = ["nsfw"]
                case "all": query.ratings = ["sfw", "nsfw"]
                default: throw MarketplaceError(.badRequest, "rating is sfw, nsfw or all.")
                }
            case "language":
                guard value.count <= 16, value.allSatisfy({ $0.isLetter || $0 == "-" }) else {
                    throw MarketplaceError(.badRequest, "language is a language tag such as en.")
                }
                query.language = value.lowercased()
            case "creator":
                guard value.count <= 64 else { throw MarketplaceError(.badRequest, "creator is a username.") }
                query.creator = value.lowercased()
            case "sort":
                guard let value = Sort(rawValue: value) else {
                    throw MarketplaceError(.badRequest, "sort is one of \(Sort.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                sort = value
            case "limit":
                guard let limit = Int(value), (1...100).contains(limit) else {
                    throw MarketplaceError(.badRequest, "limit is a number from 1 to 100.")
                }
                query.limit = limit
            case "cursor": cursorText = value
            default: throw MarketplaceError(.badRequest, "\(name) is not a search parameter.")
            }
        }
        query.sort = sort ?? (query.text == nil ? .newest : .relevance)
        if query.sort == .relevance && query.text == nil { throw MarketplaceError(.badRequest, "sort=relevance needs q.") }
        if let cursorText {
            guard let data = Data(base64URL: cursorText), let cursor = try? JSONDecoder().decode(Cursor.self, from: data),
                cursor.query == query.fingerprint
            else { throw MarketplaceError(.badRequest, "The cursor does not belong to this search; start again without it.") }
            query.after = cursor
        }
        return query
    }

    /// The query string that ``parse(_:)`` reads back as this query: what a client of
    /// `GET /api/v1/marketplace/listings` sends.
    public var parameters: [(String, String)] {
        var parameters: [(String, String)] = []
        if let text { parameters.append(("q", text)) }
        if !tags.isEmpty { parameters.append(("tag", tags.joined(separator: ","))) }
        if !excludedTags.isEmpty { parameters.append(("exclude_tag", excludedTags.joined(separator: ","))) }
        if let kind { parameters.append(("kind", kind.rawValue)) }
        parameters.append(("rating", Set(ratings) == ["sfw", "nsfw"] ? "all" : ratings.first ?? "sfw"))
        if let language { parameters.append(("language", language)) }
        if let creator { parameters.append(("creator", creator)) }
        parameters.append(("sort", sort.rawValue))
        parameters.append(("limit", String(limit)))
        if let after { parameters.append(("cursor", cursor(key: after.key, id: after.id, similarNames: after.similarNames))) }
        return parameters
    }

    static func tagList(_ value: String) throws(MarketplaceError) -> [String] {
        let tags = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard tags.count <= 16, tags.allSatisfy({ $0.count <= 64 }) else {
            throw MarketplaceError(.badRequest, "At most 16 tags of 64 characters.")
        }
        return tags
    }

    /// Names everything that decides the order and membership of results, so a cursor from
    /// another search is refused rather than silently skipping or repeating listings.
    var fingerprint: String {
        let parts = [
            text ?? "", tags.sorted().joined(separator: ","), excludedTags.sorted().joined(separator: ","), kind?.rawValue ?? "",
            ratings.joined(separator: ","), language ?? "", creator ?? "", sort.rawValue,
        ]
        return Data(SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    package func cursor(key: String, id: UUID, similarNames: Bool = false) -> String {
        let data = (try? JSONEncoder().encode(Cursor(key: key, id: id, query: fingerprint, similarNames: similarNames))) ?? Data()
        return data.base64URLEncodedString()
    }
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }

    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
    }
}
