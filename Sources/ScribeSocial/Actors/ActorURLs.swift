import Foundation
import ScribeContracts

/// The ids of everything this server publishes, built from the public origin in one place so
/// WebFinger's `self` link, the actor document and every activity agree to the byte.
public struct ActorURLs: Sendable {
    public let origin: String

    public init(publicURL: URL) {
        var text = publicURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        origin = text
    }

    public func actor(_ username: String) -> String { localActorPrefix + username }
    /// What every local user's actor id starts with: SQL joins `social.local_actors` on
    /// `prefix || username`.
    public var localActorPrefix: String { "\(origin)/users/" }
    public func key(_ username: String) -> String { actor(username) + "#main-key" }
    public func inbox(_ username: String) -> String { actor(username) + "/inbox" }
    public func outbox(_ username: String) -> String { actor(username) + "/outbox" }
    public func followers(_ username: String) -> String { actor(username) + "/followers" }
    public func following(_ username: String) -> String { actor(username) + "/following" }
    /// What the user pinned to their profile (Mastodon's `featured`).
    public func featured(_ username: String) -> String { actor(username) + "/featured" }
    public func profile(_ username: String) -> String { "\(origin)/@\(username)" }

    public var sharedInbox: String { "\(origin)/inbox" }
    public var instanceActor: String { "\(origin)/actor" }
    public var instanceKey: String { instanceActor + "#main-key" }
    public var instanceInbox: String { instanceActor + "/inbox" }

    public func item(_ kind: String, _ id: UUID) -> String { "\(origin)/\(kind)s/\(id.uuidString.lowercased())" }
    public func activity(_ id: UUID) -> String { "\(origin)/activities/\(id.uuidString.lowercased())" }
    /// A user's avatar, at a URL that ends in its type's extension: some peers guess the format
    /// from the URL (one stored a PNG as `.jpg` and served it as `image/jpeg`).
    public func userAvatar(_ username: String, contentType: String) -> String {
        userImage(.avatar, of: username, contentType: contentType)
    }
    /// A user's avatar or header, at a URL that ends in its type's extension.
    public func userImage(_ kind: ProfileImage, of username: String, contentType: String) -> String {
        "\(origin)/api/v1/users/\(username)/\(kind.rawValue).\(Self.fileExtension(of: contentType))"
    }
    /// A published character's avatar, always a PNG (Core keeps character art as PNG).
    public func avatar(_ id: UUID) -> String { "\(origin)/api/v1/shared/characters/\(id.uuidString.lowercased())/avatar.png" }

    /// The file extension an image of this media type is served under.
    public static func fileExtension(of contentType: String) -> String {
        switch contentType.lowercased() {
        case "image/jpeg": "jpg"
        case "image/webp": "webp"
        case "image/gif": "gif"
        default: "png"
        }
    }
    public func tag(_ name: String) -> String { "\(origin)/tags/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)" }

    /// The local username an actor id names, if it is one of ours.
    public func username(ofActor id: String) -> String? {
        let prefix = localActorPrefix
        guard id.hasPrefix(prefix) else { return nil }
        let rest = id.dropFirst(prefix.count)
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("#"), !rest.contains("?") else { return nil }
        return String(rest)
    }

    public func comment(_ id: UUID) -> String { "\(origin)/comments/\(id.uuidString.lowercased())" }
    public func post(_ id: UUID) -> String { "\(origin)/posts/\(id.uuidString.lowercased())" }

    /// What a local object id names: a published item (`character`, `lorebook`), a `comment` or
    /// a `post`.
    public func localObject(_ id: String) -> (kind: String, id: UUID)? {
        guard id.hasPrefix(origin + "/") else { return nil }
        let parts = id.dropFirst(origin.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let uuid = UUID(uuidString: String(parts[1])) else { return nil }
        switch parts[0] {
        case "characters": return ("character", uuid)
        case "lorebooks": return ("lorebook", uuid)
        case "comments": return ("comment", uuid)
        case "posts": return ("post", uuid)
        default: return nil
        }
    }

    /// Whether an id is on this server.
    public func isLocal(_ id: String) -> Bool { id == origin || id.hasPrefix(origin + "/") }
}
