/// The OAuth scopes a Mastodon app asks for and a token holds (`read`, `write`, `follow`,
/// `push`, `profile` and the `read:…`/`write:…` sub-scopes), as Mastodon's Doorkeeper
/// configuration lists them.
///
/// Guarantees: only known scopes are ever held; `read` and `write` cover each of their
/// sub-scopes, and the legacy `follow` covers reading and writing follows and blocks, as Mastodon
/// checks them.
public struct Scopes: Sendable, Equatable, CustomStringConvertible {
    public private(set) var names: [String]

    static let reads = [
        "accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes", "notifications", "search", "statuses",
    ]
    static let writes = [
        "accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows", "lists", "media", "mutes",
        "notifications", "reports", "statuses",
    ]
    static let known: Set<String> = Set(["read", "write", "follow", "push", "profile"] + reads.map { "read:\($0)" } + writes.map { "write:\($0)" })

    /// Every scope this server grants, for the OAuth metadata.
    public static var supported: [String] {
        ["read", "write", "follow", "push", "profile"] + reads.map { "read:\($0)" } + writes.map { "write:\($0)" }
    }

    /// Parses a space- or `+`-separated list; nil when it names a scope we do not know. An empty
    /// or absent list is `read`, Mastodon's default.
    public init?(_ text: String?) {
        let parts = (text ?? "").split(whereSeparator: { $0 == " " || $0 == "+" || $0 == "," }).map(String.init)
        if parts.isEmpty {
            names = ["read"]
            return
        }
        guard parts.allSatisfy(Self.known.contains) else { return nil }
        var seen = Set<String>()
        names = parts.filter { seen.insert($0).inserted }
    }

    init(stored: [String]) { names = stored.filter(Self.known.contains) }

    public var description: String { names.joined(separator: " ") }

    /// Whether every scope of `other` is one of these or covered by one of these.
    func covers(_ other: Scopes) -> Bool { other.names.allSatisfy { allows($0) } }

    /// Whether a route that needs `scope` (a sub-scope such as `write:statuses`, or `profile`)
    /// may be used with these.
    func allows(_ scope: String) -> Bool {
        if names.contains(scope) { return true }
        if let colon = scope.firstIndex(of: ":"), names.contains(String(scope[..<colon])) { return true }
        if names.contains("follow"), ["read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"].contains(scope) {
            return true
        }
        if scope == "profile" { return names.contains("read") || names.contains("read:accounts") }
        return false
    }
}
