import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeWeb

/// OAuth 2 as Mastodon's apps use it (`docs/mastodon-api.md`): registering an app, the consent
/// page a signed-in user approves, the token endpoint (authorization code with optional PKCE
/// S256, and client credentials; no password grant, which Mastodon 4.4 removed), revocation,
/// and the authorization server's metadata (RFC 8414), which apps read to find the endpoints.
struct OAuthRoutes<Context: SessionContext>: Sendable {
    let apps: ClientApps
    let grants: Grants
    let callers: Callers
    let pages: Pages
    let origin: String

    func add(to router: Router<Context>) {
        router.post("api/v1/apps", use: register)
        router.get("api/v1/apps/verify_credentials", use: verifyApp)
        router.get("oauth/authorize", use: consentPage)
        router.post("oauth/authorize", use: decide)
        router.post("oauth/token", use: token)
        router.post("oauth/revoke", use: revoke)
        router.get(".well-known/oauth-authorization-server", use: metadata)
    }

    struct RegisteredApp: ResponseEncodable {
        var id: String
        var name: String
        var website: String?
        var scopes: [String]
        var redirect_uri: String
        var redirect_uris: [String]
        var vapid_key = ""
        var client_id: String
        var client_secret: String
        var client_secret_expires_at = 0
    }

    @Sendable func register(_ request: Request, context: Context) async throws -> RegisteredApp {
        let parameters = try await Parameters.read(request, context: context)
        let name = try parameters.required("client_name")
        let redirects = parameters.list("redirect_uris").joined(separator: "\n")
        guard !redirects.isEmpty else { throw MastodonError.missing("redirect_uris") }
        guard let scopes = Scopes(parameters["scopes"]) else { throw MastodonError.invalid("Scopes are not supported") }
        let (app, secret) = try await apps.register(name: name, website: parameters["website"], redirectURIs: redirects, scopes: scopes)
        return RegisteredApp(
            id: String(app.id),
            name: app.name,
            website: app.website,
            scopes: app.scopes.names,
            redirect_uri: app.redirectURIs.joined(separator: "\n"),
            redirect_uris: app.redirectURIs,
            client_id: app.clientID,
            client_secret: secret
        )
    }

    struct VerifiedApp: ResponseEncodable {
        var id: String
        var name: String
        var website: String?
        var scopes: [String]
        var redirect_uris: [String]
    }

    @Sendable func verifyApp(_ request: Request, context: Context) async throws -> VerifiedApp {
        guard let grant = try await callers.grant(request, context) else { throw MastodonError.invalidToken }
        guard let app = try await apps.find(id: grant.applicationID) else { throw MastodonError.invalidToken }
        return VerifiedApp(id: String(app.id), name: app.name, website: app.website, scopes: app.scopes.names, redirect_uris: app.redirectURIs)
    }

    /// An authorization request, checked: the app, where to send the answer, the scopes.
    struct AuthorizationRequest {
        var app: ClientApps.App
        var redirectURI: String
        var scopes: Scopes
        var state: String?
        var challenge: String?

        /// The request's parameters, for the consent form to send back.
        var fields: [(name: String, value: String)] {
            var fields = [("client_id", app.clientID), ("redirect_uri", redirectURI), ("scope", scopes.description), ("response_type", "code")]
            if let state { fields.append(("state", state)) }
            if let challenge { fields += [("code_challenge", challenge), ("code_challenge_method", "S256")] }
            return fields.map { (name: $0.0, value: $0.1) }
        }
    }

    /// Checks an authorization request. What cannot be sent back to the app (an unknown app, a
    /// redirect it did not register) is an error page here; what can is a redirect carrying the
    /// error, as RFC 6749 §4.1.2.1 says.
    private func authorizationRequest(_ parameters: [String: String]) async throws -> Checked {
        guard let clientID = parameters["client_id"], let app = try await apps.find(clientID: clientID) else {
            throw MastodonError(.badRequest, "Client authentication failed due to unknown client.")
        }
        let redirect = parameters["redirect_uri"] ?? (app.redirectURIs.count == 1 ? app.redirectURIs[0] : "")
        guard app.redirectURIs.contains(redirect) else {
            throw MastodonError(.badRequest, "The redirect URI included is not valid.")
        }
        let state = parameters["state"].flatMap { $0.isEmpty || $0 == "None" ? nil : String($0.prefix(1000)) }
        func refuse(_ error: String) -> Checked {
            .refused(Self.redirect(to: redirect, with: ["error": error], state: state))
        }
        guard parameters["response_type"] == "code" else { return refuse("unsupported_response_type") }
        guard let scopes = Scopes(parameters["scope"]), app.scopes.covers(scopes) else { return refuse("invalid_scope") }
        var challenge: String?
        if let given = parameters["code_challenge"], !given.isEmpty {
            guard (parameters["code_challenge_method"] ?? "plain") == "S256", (43...128).contains(given.count) else {
                return refuse("invalid_request")
            }
            challenge = given
        }
        return .valid(AuthorizationRequest(app: app, redirectURI: redirect, scopes: scopes, state: state, challenge: challenge))
    }

    /// A checked request, or the redirect that refuses it.
    enum Checked {
        case valid(AuthorizationRequest)
        case refused(Response)
    }

    struct ConsentPage {
        var appName: String
        var website: String?
        var permissions: [String]
        var fields: [Field]
        struct Field {
            var name: String
            var value: String
        }
    }

    @Sendable func consentPage(_ request: Request, context: Context) async throws -> Response {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value).removingPercentEncoding ?? String(value) }
        let checked: AuthorizationRequest
        switch try await authorizationRequest(parameters) {
        case .refused(let response): return response
        case .valid(let request): checked = request
        }
        guard context.user != nil else {
            return Pages.redirect(
                AccountPages<Context>.loginPath(returningTo: request.uri.description),
                notice: "Log in to authorize \(checked.app.name)."
            )
        }
        return pages.render(
            "authorize",
            title: "Authorize \(checked.app.name)",
            page: ConsentPage(
                appName: checked.app.name,
                website: checked.app.website.flatMap { URL(string: $0)?.scheme?.hasPrefix("http") == true ? $0 : nil },
                permissions: Self.permissions(checked.scopes),
                fields: checked.fields.map { ConsentPage.Field(name: $0.name, value: $0.value) }
            ),
            request: request,
            context: context
        )
    }

    struct CodePage {
        var appName: String
        var code: String
    }

    @Sendable func decide(_ request: Request, context: Context) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        guard FormToken.matches(form.fields["csrf"], request) else {
            throw MastodonError(.forbidden, "This form has expired; go back, reload the page and try again.")
        }
        guard let user = context.user else { throw MastodonError(.unauthorized, "Log in to authorize an app.") }
        let checked: AuthorizationRequest
        switch try await authorizationRequest(form.fields) {
        case .refused(let response): return response
        case .valid(let request): checked = request
        }
        guard form["decision"] == "approve" else {
            return Self.redirect(to: checked.redirectURI, with: ["error": "access_denied"], state: checked.state)
        }
        let code = try await grants.issueCode(
            for: checked.app,
            user: user.id,
            redirectURI: checked.redirectURI,
            scopes: checked.scopes,
            challenge: checked.challenge
        )
        if checked.redirectURI == ClientApps.outOfBand {
            return pages.render(
                "authorization-code",
                title: "Authorization code",
                page: CodePage(appName: checked.app.name, code: code),
                request: request,
                context: context
            )
        }
        return Self.redirect(to: checked.redirectURI, with: ["code": code], state: checked.state)
    }

    struct IssuedToken: ResponseEncodable {
        var access_token: String
        var token_type = "Bearer"
        var scope: String
        var created_at: Int
    }

    @Sendable func token(_ request: Request, context: Context) async throws -> IssuedToken {
        let parameters = try await Parameters.read(request, context: context)
        let app = try await client(request, parameters)
        switch parameters["grant_type"] ?? "" {
        case "authorization_code":
            let code = try parameters.required("code")
            let (token, grant) = try await grants.exchange(
                code: code,
                app: app,
                redirectURI: parameters["redirect_uri"],
                verifier: parameters["code_verifier"]
            )
            return IssuedToken(access_token: token, scope: grant.scopes.description, created_at: Int(grant.createdAt.timeIntervalSince1970))
        case "client_credentials":
            guard let scopes = Scopes(parameters["scope"]), app.scopes.covers(scopes) else {
                throw MastodonError.oauth(.badRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
            }
            let (token, grant) = try await grants.issueAppToken(for: app, scopes: scopes)
            return IssuedToken(access_token: token, scope: grant.scopes.description, created_at: Int(grant.createdAt.timeIntervalSince1970))
        case "":
            throw MastodonError.oauth(.badRequest, "invalid_request", "The request is missing a required parameter: grant_type.")
        default:
            throw MastodonError.oauth(
                .badRequest,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server."
            )
        }
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let parameters = try await Parameters.read(request, context: context)
        let app = try await client(request, parameters)
        let token = try parameters.required("token")
        guard try await grants.revoke(token, by: app) else {
            throw MastodonError.oauth(.forbidden, "unauthorized_client", "You are not authorized to revoke this token")
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
    }

    /// The calling app, by `client_secret_basic` or `client_secret_post`.
    private func client(_ request: Request, _ parameters: Parameters) async throws -> ClientApps.App {
        var id = parameters["client_id"]
        var secret = parameters["client_secret"]
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            id = String(text[..<colon]).removingPercentEncoding
            secret = String(text[text.index(after: colon)...]).removingPercentEncoding
        }
        guard let id, let secret, let app = try await apps.find(clientID: id, secret: secret) else {
            throw MastodonError.oauth(
                .unauthorized,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
            )
        }
        return app
    }

    struct Metadata: ResponseEncodable {
        var issuer: String
        var service_documentation = "https://docs.joinmastodon.org/"
        var authorization_endpoint: String
        var token_endpoint: String
        var app_registration_endpoint: String
        var revocation_endpoint: String
        var scopes_supported = Scopes.supported
        var response_types_supported = ["code"]
        var response_modes_supported = ["query", "fragment", "form_post"]
        var code_challenge_methods_supported = ["S256"]
        var grant_types_supported = ["authorization_code", "client_credentials"]
        var token_endpoint_auth_methods_supported = ["client_secret_basic", "client_secret_post"]
    }

    @Sendable func metadata(_ request: Request, context: Context) async throws -> Metadata {
        Metadata(
            issuer: origin + "/",
            authorization_endpoint: origin + "/oauth/authorize",
            token_endpoint: origin + "/oauth/token",
            app_registration_endpoint: origin + "/api/v1/apps",
            revocation_endpoint: origin + "/oauth/revoke"
        )
    }

    /// What each scope lets an app do, in the user's words.
    static func permissions(_ scopes: Scopes) -> [String] {
        scopes.names.map { name in
            switch name {
            case "read": "Read your account, timelines, notifications and follows"
            case "write": "Post, favourite, boost, follow and change your profile for you"
            case "follow": "Follow, unfollow and block accounts for you"
            case "push": "Receive push notifications"
            case "profile": "Read your account's profile"
            default: name.hasPrefix("read:") ? "Read your \(name.dropFirst(5))" : "Change your \(name.dropFirst(6))"
            }
        }
    }

    /// A redirect back to the app with `values` (and `state`) added to its query.
    static func redirect(to uri: String, with values: [String: String], state: String?) -> Response {
        guard var components = URLComponents(string: uri) else { return Pages.redirect("/") }
        var items = components.queryItems ?? []
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { items.append(URLQueryItem(name: key, value: value)) }
        if let state { items.append(URLQueryItem(name: "state", value: state)) }
        components.queryItems = items
        return Response(status: .found, headers: [.location: components.string ?? uri])
    }
}
