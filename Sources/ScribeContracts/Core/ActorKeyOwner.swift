import Foundation

/// Whose signing key: a user's actor, or the instance actor that signs the server's own fetches.
public enum ActorKeyOwner: Sendable, Hashable, Codable {
    case instance
    case user(UUID)
}
