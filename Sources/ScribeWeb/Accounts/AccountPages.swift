import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP

/// Sign up, log in, log out and account recovery, as pages. A new account's recovery phrase
/// is shown once, on the page after signing up.
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
        router.get("signup") { request, context in
            form(.signup, request: request, context: context)
        }
        router.post("signup") { request, context -> Response in
            let form = try await WebForm.read(request, context: context)
            do {
                let created = try await accounts.register(
                    username: form["username"],
                    email: form["email"],
                    password: form.fields["password"] ?? "",
                    clientAddress: context.clientAddress
                )
                // The welcome page is the new user's first signed-in page.
                var context = context
                context.user = created.session.user
                context.sessionToken = created.session.token
                var response = pages.render(
                    "welcome",
                    title: "Welcome",
                    page: Welcome(username: created.session.user.username, recoveryPhrase: created.recoveryPhrase),
                    request: request,
                    context: context,
                    status: .created
                )
                response.setCookie(cookie.setting(token: created.session.token, expiresAt: created.session.expiresAt))
                return response
            } catch  where FormState.isUsers(error) {
                return self.form(.signup, FormState(form, error: error), request: request, context: context, status: .unprocessableContent)
            }
        }
        router.get("login") { request, context in
            form(.login, request: request, context: context)
        }
        router.post("login") { request, context -> Response in
            let form = try await WebForm.read(request, context: context)
            do {
                let grant = try await accounts.logIn(
                    identifier: form["identifier"],
                    password: form.fields["password"] ?? "",
                    clientAddress: context.clientAddress
                )
                return loggedIn(grant, then: "/library")
            } catch  where FormState.isUsers(error) {
                return self.form(.login, FormState(form, error: error), request: request, context: context, status: .unprocessableContent)
            }
        }
        router.post("logout") { request, context -> Response in
            _ = try await WebForm.read(request, context: context)
            if let token = context.sessionToken { try await accounts.logOut(sessionToken: token) }
            var response = Pages.redirect("/", notice: "You are logged out.")
            response.setCookie(cookie.clearing())
            return response
        }
        router.get("recover") { request, context in
            form(.recover, request: request, context: context)
        }
        router.post("recover") { request, context -> Response in
            let form = try await WebForm.read(request, context: context)
            do {
                let grant = try await accounts.recover(
                    identifier: form["identifier"],
                    phrase: form["recovery_phrase"],
                    newPassword: form.fields["new_password"] ?? "",
                    clientAddress: context.clientAddress
                )
                return loggedIn(grant, then: "/library", notice: "Your password is changed and your library is unlocked.")
            } catch  where FormState.isUsers(error) {
                return self.form(.recover, FormState(form, error: error), request: request, context: context, status: .unprocessableContent)
            }
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

    private func loggedIn(_ grant: SignedInSession, then location: String, notice: String? = nil) -> Response {
        var response = Pages.redirect(location, notice: notice)
        response.setCookie(cookie.setting(token: grant.token, expiresAt: grant.expiresAt))
        return response
    }
}
