import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP

/// Sign up, log in, log out and account recovery, as pages. A new account's recovery phrase
/// is shown on the page after signing up (`/welcome`), reached by a redirect so that reloading
/// it never signs up again; the phrase waits for it in a cookie of that page alone, for ten
/// minutes.
public struct AccountPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let accounts: any AccountsAPI
    let cookie: SessionCookie

    public init(pages: Pages, accounts: any AccountsAPI, cookie: SessionCookie) {
        self.pages = pages
        self.accounts = accounts
        self.cookie = cookie
    }

    struct Signup { var form: FormState }
    struct Welcome {
        var username: String
        var recoveryPhrase: String
    }

    public func add(to router: Router<Context>) {
        router.get("signup", use: signupPage)
        router.post("signup", use: signUp)
        router.group(context: SignedIn<Context>.self).get("welcome", use: welcome)
        router.get("login", use: loginPage)
        router.post("login", use: logIn)
        router.post("logout", use: logOut)
        router.get("recover", use: recoverPage)
        router.post("recover", use: recover)
    }

    @Sendable func signupPage(_ request: Request, context: Context) async throws -> Response {
        form(.signup, request: request, context: context)
    }

    @Sendable func signUp(_ request: Request, context: Context) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        do {
            let created = try await accounts.register(
                username: form["username"],
                email: form["email"],
                password: form.fields["password"] ?? "",
                clientAddress: context.clientAddress
            )
            // The welcome page is the new user's first signed-in page, after a redirect.
            var response = Pages.redirect("/welcome")
            response.setCookie(cookie.setting(token: created.session.token, expiresAt: created.session.expiresAt))
            response.setCookie(
                Cookie(
                    name: Self.welcomeCookie,
                    value: created.recoveryPhrase.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                    maxAge: 600,
                    path: "/welcome",
                    secure: cookie.secure,
                    httpOnly: true,
                    sameSite: .strict
                )
            )
            return response
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return self.form(.signup, FormState(form, error: error), request: request, context: context, status: .unprocessableContent)
        }
    }

    /// Where the recovery phrase of a new account waits for the welcome page.
    static var welcomeCookie: String { "scribe_welcome" }

    @Sendable func welcome(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        guard let phrase = request.cookies[Self.welcomeCookie]?.value.removingPercentEncoding, !phrase.isEmpty else {
            return Pages.redirect("/library")
        }
        return pages.render(
            "welcome",
            title: "Welcome",
            page: Welcome(username: context.user.username, recoveryPhrase: phrase),
            request: request,
            context: context.request
        )
    }

    @Sendable func loginPage(_ request: Request, context: Context) async throws -> Response {
        let next = Self.returnPath(request.uri.queryParameters["next"].map(String.init))
        return form(.login, FormState(values: next.map { ["next": $0] } ?? [:]), request: request, context: context)
    }

    @Sendable func logIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        do {
            let grant = try await accounts.logIn(
                identifier: form["identifier"],
                password: form.fields["password"] ?? "",
                clientAddress: context.clientAddress
            )
            return loggedIn(grant, then: Self.returnPath(form["next"]) ?? "/library")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return self.form(.login, FormState(form, error: error), request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func logOut(_ request: Request, context: Context) async throws -> Response {
        _ = try await WebForm.read(request, context: context)
        if let token = context.sessionToken { try await accounts.logOut(sessionToken: token) }
        var response = Pages.redirect("/", notice: "You are logged out.")
        response.setCookie(cookie.clearing())
        return response
    }

    @Sendable func recoverPage(_ request: Request, context: Context) async throws -> Response {
        form(.recover, request: request, context: context)
    }

    @Sendable func recover(_ request: Request, context: Context) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        do {
            let grant = try await accounts.recover(
                identifier: form["identifier"],
                phrase: form["recovery_phrase"],
                newPassword: form.fields["new_password"] ?? "",
                clientAddress: context.clientAddress
            )
            return loggedIn(grant, then: "/library", notice: "Your password is changed and your library is unlocked.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return self.form(.recover, FormState(form, error: error), request: request, context: context, status: .unprocessableContent)
        }
    }

    /// The three account forms, by their template's name.
    enum AccountForm: String {
        case signup, login, recover

        var title: String {
            switch self {
            case .signup: "Sign up"
            case .login: "Log in"
            case .recover: "Recover your account"
            }
        }
    }

    /// An account form, empty or as a failed submission left it.
    private func form(
        _ which: AccountForm,
        _ state: FormState = .empty,
        request: Request,
        context: Context,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        pages.render(which.rawValue, title: which.title, page: Signup(form: state), request: request, context: context, status: status)
    }

    /// The login page, which brings the user back to `path` (a page of ours) once signed in.
    public static func loginPath(returningTo path: String) -> String {
        "/login?next=" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    /// `next` when it is a path on this server, else nil: a link to the login page must not be
    /// able to send someone elsewhere once signed in (`//host`, `/\\host` and schemes are not ours).
    static func returnPath(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count <= 2048,
            !next.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return next
    }

    private func loggedIn(_ grant: SignedInSession, then location: String, notice: String? = nil) -> Response {
        var response = Pages.redirect(location, notice: notice)
        response.setCookie(cookie.setting(token: grant.token, expiresAt: grant.expiresAt))
        return response
    }
}
