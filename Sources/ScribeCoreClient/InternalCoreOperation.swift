import Foundation
import ScribeContracts

/// Every operation of Core's internal HTTP API: one per `CoreAPI` requirement, each at
/// `POST /internal/core/<path>` with its arguments as a JSON body, except the event-log read,
/// `GET /internal/core/events?after=&limit=`. Answers are the contract's own DTOs in
/// ``ScribeJSON`` with exact dates; failures are `{ "error": { "code", "message" } }` with the
/// ``CoreAPIError/Code`` as code.
public enum InternalCoreOperation: String, Sendable, CaseIterable {
    case events
    case sharedView = "shared-view"
    case metadata
    case sharedFile = "shared-file"
    case fork
    case user
    case setHidden = "set-hidden"
    case setForSale = "set-for-sale"
    case setContentRating = "set-content-rating"
    case profile
    case statistics
    case actorPublicKey = "actor-public-key"
    case signAsActor = "sign-as-actor"
    case confirmPassword = "confirm-password"
    case changePublicProfile = "change-public-profile"

    /// Where the API lives on a Core process.
    public static let pathPrefix = "/internal/core/"
    /// The header that carries the acting user's own session token, where one acts.
    public static let sessionHeader = "Scribe-Session"

    public var path: String { Self.pathPrefix + rawValue }

    /// Which services may call it: each only what it needs. Only Social signs as actors; only
    /// the marketplace hides items, puts them on sale and rates them.
    public var callers: Set<CallingService> {
        switch self {
        case .events, .sharedView, .metadata, .sharedFile, .fork, .user, .profile: [.marketplace, .social]
        case .setHidden, .setForSale, .setContentRating: [.marketplace]
        case .statistics, .actorPublicKey, .signAsActor, .confirmPassword, .changePublicProfile: [.social]
        }
    }

    /// Whether calling it twice has the effect of calling it once, so a client may retry it
    /// after a timeout. A fork is not: a retry could leave the user two copies.
    public var isIdempotent: Bool { self != .fork }
}

/// The JSON bodies of ``InternalCoreOperation``s that take arguments.
public enum InternalCoreRequest {
    /// An item and who looks at it: `shared-view`, `metadata`.
    public struct ItemForViewer: Codable, Sendable {
        public var kind: CoreEvent.SubjectKind
        public var id: UUID
        public var viewer: Viewer
        public init(kind: CoreEvent.SubjectKind, id: UUID, viewer: Viewer) {
            self.kind = kind
            self.id = id
            self.viewer = viewer
        }
    }

    /// `confirm-password`: the password to check against the session's user.
    public struct Password: Codable, Sendable {
        public var password: String
        public init(password: String) { self.password = password }
    }

    public struct File: Codable, Sendable {
        public var kind: CoreEvent.SubjectKind
        public var id: UUID
        public var format: SharedFile.Format
        public var viewer: Viewer
        public init(kind: CoreEvent.SubjectKind, id: UUID, format: SharedFile.Format, viewer: Viewer) {
            self.kind = kind
            self.id = id
            self.format = format
            self.viewer = viewer
        }
    }

    /// A fork; the user's session travels in ``InternalCoreOperation/sessionHeader``, never in a body.
    public struct Fork: Codable, Sendable {
        public var kind: CoreEvent.SubjectKind
        public var id: UUID
        public var sourceURI: String
        public var entitled: Bool
        public var followsOwner: Bool
        public init(kind: CoreEvent.SubjectKind, id: UUID, sourceURI: String, entitled: Bool, followsOwner: Bool) {
            self.kind = kind
            self.id = id
            self.sourceURI = sourceURI
            self.entitled = entitled
            self.followsOwner = followsOwner
        }
        enum CodingKeys: String, CodingKey {
            case kind, id, entitled
            case sourceURI = "source_uri"
            case followsOwner = "follows_owner"
        }
    }

    /// `set-hidden` and `set-for-sale`.
    /// `set-content-rating`: the rating, and whether a moderator gives it.
    public struct Rating: Codable, Sendable {
        public var kind: CoreEvent.SubjectKind
        public var id: UUID
        public var rating: ContentRating
        public var byModerator: Bool
        public init(kind: CoreEvent.SubjectKind, id: UUID, rating: ContentRating, byModerator: Bool) {
            self.kind = kind
            self.id = id
            self.rating = rating
            self.byModerator = byModerator
        }
        enum CodingKeys: String, CodingKey {
            case kind, id, rating
            case byModerator = "by_moderator"
        }
    }

    public struct Restriction: Codable, Sendable {
        public var kind: CoreEvent.SubjectKind
        public var id: UUID
        public var value: Bool
        public init(kind: CoreEvent.SubjectKind, id: UUID, value: Bool) {
            self.kind = kind
            self.id = id
            self.value = value
        }
    }

    /// A profile by username or by id (exactly one).
    public struct Profile: Codable, Sendable {
        public var username: String?
        public var id: UUID?
        public init(username: String? = nil, id: UUID? = nil) {
            self.username = username
            self.id = id
        }
    }

    /// `change-public-profile`: whose, and the change.
    public struct ProfileChange: Codable, Sendable {
        public var id: UUID
        public var change: PublicProfileChange
        public init(id: UUID, change: PublicProfileChange) {
            self.id = id
            self.change = change
        }
    }

    public struct ActorKey: Codable, Sendable {
        public var owner: ActorKeyOwner
        public init(owner: ActorKeyOwner) { self.owner = owner }
    }

    public struct Signing: Codable, Sendable {
        public var owner: ActorKeyOwner
        public var message: Data
        public init(owner: ActorKeyOwner, message: Data) {
            self.owner = owner
            self.message = message
        }
    }
}

/// The JSON bodies of answers that are not a contract DTO of their own.
public enum InternalCoreResponse {
    /// Whether a change was made: `set-content-rating`.
    public struct Accepted: Codable, Sendable {
        public var accepted: Bool
        public init(accepted: Bool) { self.accepted = accepted }
    }

    public struct Events: Codable, Sendable {
        public var events: [CoreEvent]
        public init(events: [CoreEvent]) { self.events = events }
    }

    public struct PublicKey: Codable, Sendable {
        public var pem: String
        public init(pem: String) { self.pem = pem }
    }

    public struct Signature: Codable, Sendable {
        public var signature: Data
        public init(signature: Data) { self.signature = signature }
    }
}
