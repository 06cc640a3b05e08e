import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import ScribeContracts
import ScribeCoreClient
import ScribeHTTP

/// Core's internal HTTP API (`/internal/core/...`): every `CoreAPI` operation, for Scribe's own
/// Marketplace and Social processes when they run apart from Core (``HTTPCoreClient`` is the
/// other end). See ``InternalCoreOperation`` for the wire format.
///
/// Each call must carry a valid ``ServiceToken``: none, a forged or an expired one is 401; a
/// service calling an operation outside its scope is 403. Where a user acts, their own session
/// comes in ``InternalCoreOperation/sessionHeader`` and Core checks it as it checks any.
/// Without a configured service secret the API is not served at all.
struct InternalCoreRoutes {
    let core: any CoreAPI
    let secret: ServiceSecret

    func add(to router: Router<ScribeRequestContext>) {
        router.get(path(.events)) { request, context in
            try authorize(.events, request)
            let after = try integer(request, "after", default: 0)
            let limit = try integer(request, "limit", default: 100)
            guard after >= 0, (1...1000).contains(limit) else { throw Self.invalid("after must be 0 or more and limit 1 to 1000.") }
            return try answer(InternalCoreResponse.Events(events: try await run { try await core.events(after: after, limit: Int(limit)) }))
        }
        route(.sharedView, InternalCoreRequest.ItemForViewer.self) { body, _ in
            try await core.sharedView(of: body.kind, id: body.id, for: body.viewer)
        }
        route(.metadata, InternalCoreRequest.ItemForViewer.self) { body, _ in
            try await core.metadata(of: body.kind, id: body.id, for: body.viewer)
        }
        route(.sharedFile, InternalCoreRequest.File.self) { body, _ in
            try await core.sharedFile(of: body.kind, id: body.id, format: body.format, for: body.viewer)
        }
        route(.fork, InternalCoreRequest.Fork.self) { body, session in
            try await core.fork(
                of: body.kind,
                id: body.id,
                sessionToken: try Self.require(session),
                sourceURI: body.sourceURI,
                entitled: body.entitled,
                followsOwner: body.followsOwner
            )
        }
        route(.user, HTTPCoreClient.Empty.self) { _, session in
            try await core.user(sessionToken: try Self.require(session))
        }
        route(.confirmPassword, InternalCoreRequest.Password.self) { body, session in
            try await core.confirmPassword(body.password, sessionToken: try Self.require(session))
            return HTTPCoreClient.Empty()
        }
        route(.setHidden, InternalCoreRequest.Restriction.self) { body, _ in
            try await core.setHidden(of: body.kind, id: body.id, body.value)
            return HTTPCoreClient.Empty()
        }
        route(.setForSale, InternalCoreRequest.Restriction.self) { body, _ in
            try await core.setForSale(of: body.kind, id: body.id, body.value)
            return HTTPCoreClient.Empty()
        }
        route(.setContentRating, InternalCoreRequest.Rating.self) { body, _ in
            InternalCoreResponse.Accepted(
                accepted: try await core.setContentRating(of: body.kind, id: body.id, body.rating, byModerator: body.byModerator)
            )
        }
        route(.profile, InternalCoreRequest.Profile.self) { body, _ in
            switch (body.username, body.id) {
            case (let username?, nil): try await core.profile(username: username)
            case (nil, let id?): try await core.profile(id: id)
            default: throw CoreAPIError(.invalidArgument, "Name a profile by username or by id.")
            }
        }
        // A new avatar (1 MB) and header (2 MB) travel in base64.
        route(.changePublicProfile, InternalCoreRequest.ProfileChange.self, maximumBody: 5 << 20) { body, _ in
            try await core.changePublicProfile(of: body.id, body.change)
        }
        route(.statistics, HTTPCoreClient.Empty.self) { _, _ in try await core.statistics() }
        route(.actorPublicKey, InternalCoreRequest.ActorKey.self) { body, _ in
            InternalCoreResponse.PublicKey(pem: try await core.actorPublicKey(of: body.owner))
        }
        route(.signAsActor, InternalCoreRequest.Signing.self) { body, _ in
            InternalCoreResponse.Signature(signature: try await core.signAsActor(body.owner, message: body.message))
        }

        func route<Body: Decodable & Sendable, Answer: Encodable & Sendable>(
            _ operation: InternalCoreOperation,
            _ body: Body.Type,
            maximumBody: Int? = nil,
            _ perform: @escaping @Sendable (Body, _ sessionToken: String?) async throws -> Answer
        ) {
            router.post(path(operation)) { request, context in
                try authorize(operation, request)
                let buffer = try await request.body.collect(upTo: maximumBody ?? context.maxUploadSize)
                guard let decoded = try? ScribeJSON.decoder(exactDates: true).decode(Body.self, from: Data(buffer: buffer)) else {
                    throw Self.invalid("The body is not a valid \(operation.rawValue) request.")
                }
                let session = request.headers[HTTPField.Name(InternalCoreOperation.sessionHeader)!]
                return try answer(try await run { try await perform(decoded, session) })
            }
        }
    }

    private func path(_ operation: InternalCoreOperation) -> RouterPath {
        RouterPath(String(operation.path.dropFirst()))
    }

    /// Refuses a call without a valid token for a service the operation admits.
    private func authorize(_ operation: InternalCoreOperation, _ request: Request) throws {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError(.unauthorized, code: "service_token_required", message: "Core's internal API needs a service token.")
        }
        let token: ServiceToken
        do {
            token = try ServiceToken.verify(String(header.dropFirst(7)), secret: secret)
        } catch {
            throw APIError(.unauthorized, code: "service_token_invalid", message: "The service token is not valid (\(error)).")
        }
        guard operation.callers.contains(token.service) else {
            throw APIError(
                .forbidden,
                code: "service_forbidden",
                message: "The \(token.service.rawValue) service may not call \(operation.rawValue)."
            )
        }
    }

    private func answer(_ value: some Encodable) throws -> Response {
        let data = try ScribeJSON.encoder(exactDates: true).encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func integer(_ request: Request, _ name: String, default value: Int64) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int64(text) else { throw Self.invalid("\(name) must be a whole number.") }
        return number
    }

    /// Core's refusals keep the contract's own codes, so the client rebuilds the same error.
    private func run<Answer>(_ body: () async throws -> Answer) async throws -> Answer {
        do {
            return try await body()
        } catch let error as CoreAPIError {
            throw APIError(ErrorMiddleware.status(for: error.code), code: error.code.rawValue, message: error.message)
        }
    }

    static func invalid(_ message: String) -> APIError {
        APIError(ErrorMiddleware.status(for: .invalidArgument), code: CoreAPIError.Code.invalidArgument.rawValue, message: message)
    }

    static func require(_ session: String?) throws(CoreAPIError) -> String {
        guard let session, !session.isEmpty else { throw CoreAPIError(.unauthenticated, "This operation acts for a user and needs their session.") }
        return session
    }
}
