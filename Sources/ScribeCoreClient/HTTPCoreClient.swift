import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts

/// `CoreAPI` over Core's internal HTTP API, for a Marketplace or Social process that runs
/// apart from Core. Every call carries a fresh ``ServiceToken`` for its service; a call on a
/// user's behalf carries their session beside it.
///
/// Each attempt has a deadline (``timeout``). Idempotent operations are tried again, up to
/// ``attempts`` times in all with a short back-off, when Core cannot be reached or answers
/// 502, 503 or 504; a fork is never repeated. Core's own refusals (`not_found`, `forbidden`, …)
/// come back as the same ``CoreAPIError`` the in-process Core throws.
public struct HTTPCoreClient: CoreAPI {
    public let baseURL: URL
    public let service: CallingService
    let secret: ServiceSecret
    let client: HTTPClient
    let logger: Logger
    public var timeout: Duration = .seconds(10)
    public var attempts = 3
    /// The largest answer read: a shared file is the biggest thing Core sends.
    static let maximumResponseSize = 64 << 20

    /// - Parameter client: the process's client for its own services (not the guarded client
    ///   Social federates with, which refuses private addresses).
    public init(baseURL: URL, service: CallingService, secret: ServiceSecret, client: HTTPClient, logger: Logger) {
        self.baseURL = baseURL
        self.service = service
        self.secret = secret
        self.client = client
        self.logger = logger
    }

    public func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent] {
        try await call(.events, query: "?after=\(cursor)&limit=\(limit)", as: InternalCoreResponse.Events.self).events
    }

    public func sharedView(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> SharedItem {
        try await call(.sharedView, body: InternalCoreRequest.ItemForViewer(kind: kind, id: id, viewer: viewer), as: SharedItem.self)
    }

    public func metadata(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> ItemMetadata {
        try await call(.metadata, body: InternalCoreRequest.ItemForViewer(kind: kind, id: id, viewer: viewer), as: ItemMetadata.self)
    }

    public func sharedFile(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        format: SharedFile.Format,
        for viewer: Viewer
    ) async throws(CoreAPIError) -> SharedFile {
        try await call(.sharedFile, body: InternalCoreRequest.File(kind: kind, id: id, format: format, viewer: viewer), as: SharedFile.self)
    }

    public func fork(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        sessionToken: String,
        sourceURI: String,
        entitled: Bool,
        followsOwner: Bool
    ) async throws(CoreAPIError) -> OwnedCharacter {
        let body = InternalCoreRequest.Fork(kind: kind, id: id, sourceURI: sourceURI, entitled: entitled, followsOwner: followsOwner)
        return try await call(.fork, body: body, sessionToken: sessionToken, as: OwnedCharacter.self)
    }

    public func user(sessionToken: String) async throws(CoreAPIError) -> SessionUser {
        try await call(.user, body: Empty(), sessionToken: sessionToken, as: SessionUser.self)
    }

    public func confirmPassword(_ password: String, sessionToken: String) async throws(CoreAPIError) {
        _ = try await call(.confirmPassword, body: InternalCoreRequest.Password(password: password), sessionToken: sessionToken, as: Empty.self)
    }

    public func setHidden(of kind: CoreEvent.SubjectKind, id: UUID, _ hidden: Bool) async throws(CoreAPIError) {
        _ = try await call(.setHidden, body: InternalCoreRequest.Restriction(kind: kind, id: id, value: hidden), as: Empty.self)
    }

    public func setForSale(of kind: CoreEvent.SubjectKind, id: UUID, _ forSale: Bool) async throws(CoreAPIError) {
        _ = try await call(.setForSale, body: InternalCoreRequest.Restriction(kind: kind, id: id, value: forSale), as: Empty.self)
    }

    public func setContentRating(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        _ rating: ContentRating,
        byModerator: Bool
    ) async throws(CoreAPIError) -> Bool {
        let body = InternalCoreRequest.Rating(kind: kind, id: id, rating: rating, byModerator: byModerator)
        return try await call(.setContentRating, body: body, as: InternalCoreResponse.Accepted.self).accepted
    }

    public func profile(username: String) async throws(CoreAPIError) -> UserProfile {
        try await call(.profile, body: InternalCoreRequest.Profile(username: username), as: UserProfile.self)
    }

    public func profile(id: UUID) async throws(CoreAPIError) -> UserProfile {
        try await call(.profile, body: InternalCoreRequest.Profile(id: id), as: UserProfile.self)
    }

    public func changePublicProfile(of userID: UUID, _ change: PublicProfileChange) async throws(CoreAPIError) -> UserProfile {
        try await call(.changePublicProfile, body: InternalCoreRequest.ProfileChange(id: userID, change: change), as: UserProfile.self)
    }

    public func statistics() async throws(CoreAPIError) -> InstanceStatistics {
        try await call(.statistics, body: Empty(), as: InstanceStatistics.self)
    }

    public func actorPublicKey(of owner: ActorKeyOwner) async throws(CoreAPIError) -> String {
        try await call(.actorPublicKey, body: InternalCoreRequest.ActorKey(owner: owner), as: InternalCoreResponse.PublicKey.self).pem
    }

    public func signAsActor(_ owner: ActorKeyOwner, message: Data) async throws(CoreAPIError) -> Data {
        try await call(.signAsActor, body: InternalCoreRequest.Signing(owner: owner, message: message), as: InternalCoreResponse.Signature.self)
            .signature
    }

    /// An empty JSON object, for operations without arguments or answers.
    public struct Empty: Codable, Sendable {
        public init() {}
    }

    // MARK: - One call

    private func call<Answer: Decodable>(
        _ operation: InternalCoreOperation,
        query: String = "",
        body: (some Encodable)? = Optional<Empty>.none,
        sessionToken: String? = nil,
        as: Answer.Type
    ) async throws(CoreAPIError) -> Answer {
        var request = HTTPClientRequest(url: baseURL.absoluteString.trimmingSuffix("/") + operation.path + query)
        if let body {
            request.method = .POST
            guard let data = try? ScribeJSON.encoder(exactDates: true).encode(body) else {
                throw CoreAPIError(.invalidArgument, "The request to Core could not be encoded.")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        if let sessionToken { request.headers.add(name: InternalCoreOperation.sessionHeader, value: sessionToken) }
        let tries = operation.isIdempotent ? max(1, attempts) : 1
        var failure = CoreAPIError(.unavailable, "Core cannot answer right now.")
        for attempt in 1...tries {
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer " + ServiceToken.mint(for: service, secret: secret))
            do {
                let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                let bytes = try await response.body.collect(upTo: Self.maximumResponseSize)
                if (200..<300).contains(response.status.code) {
                    if response.status == .noContent || Answer.self == Empty.self, let empty = Empty() as? Answer { return empty }
                    guard let answer = try? ScribeJSON.decoder(exactDates: true).decode(Answer.self, from: Data(buffer: bytes)) else {
                        throw CoreAPIError(.unavailable, "Core's answer to \(operation.rawValue) was not understood.")
                    }
                    return answer
                }
                failure = Self.error(status: response.status, body: bytes, operation: operation)
                guard [.badGateway, .serviceUnavailable, .gatewayTimeout].contains(response.status) else { throw failure }
            } catch let error as CoreAPIError {
                throw error
            } catch {
                failure = CoreAPIError(.unavailable, "Core cannot be reached.")
                // A caller that gave up (its server is stopping) is neither retried nor a fault to log.
                if Task.isCancelled { throw failure }
                logger.warning(
                    "call to Core failed",
                    metadata: ["operation": .string(operation.rawValue), "attempt": .stringConvertible(attempt), "reason": .string("\(error)")]
                )
            }
            if attempt < tries { try? await Task.sleep(for: .milliseconds(100 * (1 << (2 * (attempt - 1))))) }
        }
        throw failure
    }

    /// Core's refusal as the contract names it. A refused service token is a deployment fault
    /// (mismatched secrets), never the user's: it reads as `unavailable` and is logged.
    static func error(status: HTTPResponseStatus, body: ByteBuffer, operation: InternalCoreOperation) -> CoreAPIError {
        let detail = try? ScribeJSON.decoder().decode(ServiceErrorBody.self, from: Data(buffer: body)).error
        if let detail, let code = CoreAPIError.Code(rawValue: detail.code) { return CoreAPIError(code, detail.message) }
        return CoreAPIError(.unavailable, "Core refused \(operation.rawValue) (\(status.code)\(detail.map { ": " + $0.message } ?? "")).")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
