import Foundation

/// Who a propagated session belongs to: what Marketplace and Social need to act for a user
/// (their id, their name, whether they moderate), and nothing that opens their library.
public struct SessionUser: Codable, Sendable, Equatable {
    /// Roles as Core records them (the original Scribe schema's names).
    public enum Role: String, Codable, Sendable, CaseIterable {
        case user = "User"
        case moderator = "Moderator"
        case administrator = "Administrator"

        /// Moderators and administrators act on reports, listings and federation.
        public var moderates: Bool { self != .user }
    }

    public var id: UUID
    public var username: String
    public var role: Role

    public init(id: UUID, username: String, role: Role) {
        self.id = id
        self.username = username
        self.role = role
    }
}
