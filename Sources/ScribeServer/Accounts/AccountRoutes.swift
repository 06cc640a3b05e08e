import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeImages
import ScribeStorage

/// `/api/v1/accounts` and `/api/v1/sessions`: registration, login and logout, the current
/// account, password change, recovery and deletion. Each handler decodes, calls
/// ``Accounts``, and encodes; the rules live in Core.
struct AccountRoutes {
    let accounts: Accounts
    let cookie: SessionCookie
    /// Avatars' and headers' thumbnails, by user, image, profile version and width: a feed
    /// shows the same few avatars on every page.
    let thumbnails = MemoryCache<String, Thumbnail.Image>(timeToLive: .seconds(3_600), capacity: 2_000)

    // MARK: Bodies

    struct RegisterRequest: Decodable {
        var username: String
        var email: String
        var password: String
    }

    struct LoginRequest: Decodable {
        /// A username (with or without a leading `@`) or an email address.
        var identifier: String
        var password: String
    }

    struct PasswordChangeRequest: Decodable {
        var currentPassword: String
        var newPassword: String
        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password"
            case newPassword = "new_password"
        }
    }

    struct RecoveryRequest: Decodable {
        var identifier: String
        var recoveryPhrase: String
        var newPassword: String
        enum CodingKeys: String, CodingKey {
            case identifier
            case recoveryPhrase = "recovery_phrase"
            case newPassword = "new_password"
        }
    }

    struct PublicProfileRequest: Decodable {
        var displayName: String
        var bio: String
        /// Absent keeps the fields as they are; `[]` clears them.
        var fields: [ProfileField]?
        enum CodingKeys: String, CodingKey {
            case displayName = "display_name"
            case bio, fields
        }
    }

    struct DeletionRequest: Decodable {
        var password: String
    }

    struct SessionView: Encodable {
        var token: String
        var expiresAt: Date
        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
        }
    }

    struct LoggedIn: ResponseEncodable {
        var account: Account
        var session: SessionView
        /// Only in the registration response: shown once, never retrievable again.
        var recoveryPhrase: String?
        enum CodingKeys: String, CodingKey {
            case account, session
            case recoveryPhrase = "recovery_phrase"
        }
    }

    struct AccountView: ResponseEncodable {
        var account: Account
    }

    // MARK: Routes

    func add(to router: Router<ScribeRequestContext>) {
        let api = router.group("api/v1")
        api.post("accounts", use: register)
        api.post("sessions", use: logIn)
        api.post("accounts/recovery", use: recover)
        api.get("users/:username/avatar", use: publicImage(.avatar))
        // The same, at URLs that name its format (what the actor links): served with its real type.
        for image in ProfileImage.allCases {
            api.get("users/:username/\(image.rawValue).png", use: publicImage(image))
            api.get("users/:username/\(image.rawValue).jpg", use: publicImage(image))
            // The sizes pages show (``UserProfile/imagePath(_:width:)``).
            api.get("users/:username/\(image.rawValue)/:version/:size", use: thumbnail(image))
        }
        let me = router.group("api/v1", context: LibraryContext.self)
        me.delete("sessions/current", use: logOut)
        me.get("accounts/me", use: account)
        me.put("accounts/me/password", use: changePassword)
        me.put("accounts/me/profile", use: setPublicProfile)
        for image in ProfileImage.allCases {
            me.put("accounts/me/\(image.rawValue)", use: setImage(image))
            me.delete("accounts/me/\(image.rawValue)", use: removeImage(image))
        }
        me.delete("accounts/me", use: deleteAccount)
    }

    @Sendable func register(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: RegisterRequest.self, context: context)
        let created = try await accounts.register(.init(username: body.username, email: body.email, password: body.password))
        return try loggedIn(created.session, recoveryPhrase: created.recoveryPhrase.description, request: request, context: context)
    }

    @Sendable func logIn(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let grant = try await accounts.logIn(identifier: body.identifier, password: body.password, clientAddress: context.clientAddress)
        return try loggedIn(grant, recoveryPhrase: nil, request: request, context: context)
    }

    @Sendable func recover(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: RecoveryRequest.self, context: context)
        let grant = try await accounts.recover(
            identifier: body.identifier,
            phrase: body.recoveryPhrase,
            newPassword: body.newPassword,
            clientAddress: context.clientAddress
        )
        return try loggedIn(grant, recoveryPhrase: nil, request: request, context: context)
    }

    func publicImage(_ kind: ProfileImage) -> @Sendable (Request, ScribeRequestContext) async throws -> Response {
        { [accounts] _, context in
            guard let username = context.parameters.get("username"), let image = try await accounts.image(kind, username: username)?.file else {
                throw APIError(.notFound, code: "not_found", message: "No such \(kind.rawValue).")
            }
            return Response(
                status: .ok,
                headers: [.contentType: image.contentType, .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: image.bytes))
            )
        }
    }

    /// An avatar or header at one of ``Thumbnail/widths``, kept by browsers for good: its URL
    /// names the profile's version, which changes with the image.
    func thumbnail(_ kind: ProfileImage) -> @Sendable (Request, ScribeRequestContext) async throws -> Response {
        { [accounts, thumbnails] request, context in
            guard let username = context.parameters.get("username")?.lowercased(), let size = context.parameters.get("size"),
                size.hasPrefix("w"), let width = Int(size.dropFirst()), Thumbnail.widths.contains(width),
                let image = try await accounts.image(kind, username: username)
            else { throw APIError(.notFound, code: "not_found", message: "No such \(kind.rawValue).") }
            let key = "\(username)/\(kind.rawValue)/\(image.version)/\(width)"
            let answer = ThumbnailResponse(subject: "\(username)-\(kind.rawValue)", version: image.version, width: width, caching: .immutable)
            return try await answer.respond(to: request, missing: "This \(kind.rawValue) cannot be shown.") {
                if let cached = thumbnails[key] { return cached }
                guard let made = Thumbnail.make(from: image.file.bytes, width: width) else { return nil }
                thumbnails.set(made, for: key)
                return made
            }
        }
    }

    @Sendable func logOut(_ request: Request, context: LibraryContext) async throws -> Response {
        try await accounts.logOut(context.session)
        return loggedOut()
    }

    @Sendable func account(_ request: Request, context: LibraryContext) async throws -> AccountView {
        AccountView(account: context.session.account)
    }

    @Sendable func changePassword(_ request: Request, context: LibraryContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: PasswordChangeRequest.self, context: context)
        try await accounts.changePassword(context.session, current: body.currentPassword, new: body.newPassword)
        return .noContent
    }

    @Sendable func setPublicProfile(_ request: Request, context: LibraryContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: PublicProfileRequest.self, context: context)
        try await accounts.setPublicProfile(context.session, displayName: body.displayName, bio: body.bio, fields: body.fields)
        return .noContent
    }

    func setImage(_ kind: ProfileImage) -> @Sendable (Request, LibraryContext) async throws -> HTTPResponse.Status {
        { [accounts] request, context in
            let image: ByteBuffer
            do { image = try await request.body.collect(upTo: kind.maximumSize) } catch {
                throw CoreError(.invalidInput, "\(kind.name) is at most \(kind.maximumSize >> 20) MB.", field: kind.rawValue)
            }
            try await accounts.setImage(kind, of: context.session, to: Data(image.readableBytesView))
            return .noContent
        }
    }

    func removeImage(_ kind: ProfileImage) -> @Sendable (Request, LibraryContext) async throws -> HTTPResponse.Status {
        { [accounts] _, context in
            try await accounts.setImage(kind, of: context.session, to: nil)
            return .noContent
        }
    }

    @Sendable func deleteAccount(_ request: Request, context: LibraryContext) async throws -> Response {
        let body = try await request.decodeJSON(as: DeletionRequest.self, context: context)
        try await accounts.delete(context.session, password: body.password)
        return loggedOut()
    }

    /// 201 with the account and token in the body and the token in the session cookie.
    private func loggedIn(_ grant: SessionGrant, recoveryPhrase: String?, request: Request, context: ScribeRequestContext) throws -> Response {
        let body = LoggedIn(
            account: grant.account,
            session: SessionView(token: grant.token.value, expiresAt: grant.expiresAt),
            recoveryPhrase: recoveryPhrase
        )
        var response = try EditedResponse(status: .created, response: body).response(from: request, context: context)
        response.setCookie(cookie.setting(token: grant.token.value, expiresAt: grant.expiresAt))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func loggedOut() -> Response {
        var response = Response(status: .noContent)
        response.setCookie(cookie.clearing())
        return response
    }
}
