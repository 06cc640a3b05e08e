import Foundation
import Hummingbird
import ScribeCore

/// Sign up, log in, log out and account recovery, as pages. A new account's recovery phrase
/// is shown once, on the page after signing up.
struct AccountPages {
    let pages: Pages
    let accounts: Accounts
    let cookie: SessionCookie

    struct Signup { var form: FormState }
    struct Welcome {
        var username: String
        var recoveryPhrase: String
    }

    func add(to router: Router<ScribeRequestContext>) {
        router.get("signup") { request, context in
            pages.render("signup", title: "Sign up", page: Signup(form: .empty), request: request, context: context)
        }
        router.post("signup") { request, context -> Response in
            let form = try await WebForm.read(request, context: context)
            do {
                let created = try await accounts.register(
                    Registration(username: form["username"], email: form["email"], password: form.fields["password"] ?? "")
                )
                var context = context
                context.session = try await accounts.authenticate(token: created.session.token.value)
                var response = pages.render(
                    "welcome",
                    title: "Welcome",
                    page: Welcome(username: created.session.account.username, recoveryPhrase: created.recoveryPhrase.description),
                    request: request,
                    context: context,
                    status: .created
                )
                response.setCookie(cookie.setting(token: created.session.token.value, expiresAt: created.session.expiresAt))
                return response
            } catch  where FormState.isUsers(error) {
                return pages.render(
                    "signup",
                    title: "Sign up",
                    page: Signup(form: FormState(form, error: error)),
                    request: request,
                    context: context,
                    status: .unprocessableContent
                )
            }
        }
        router.get("login") { request, context in
            pages.render("login", title: "Log in", page: Signup(form: .empty), request: request, context: context)
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
                return pages.render(
                    "login",
                    title: "Log in",
                    page: Signup(form: FormState(form, error: error)),
                    request: request,
                    context: context,
                    status: .unprocessableContent
                )
            }
        }
        router.post("logout") { request, context -> Response in
            _ = try await WebForm.read(request, context: context)
            if let session = context.session { try await accounts.logOut(session) }
            var response = Pages.redirect("/", notice: "You are logged out.")
            response.setCookie(cookie.clearing())
            return response
        }
        router.get("recover") { request, context in
            pages.render("recover", title: "Recover your account", page: Signup(form: .empty), request: request, context: context)
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
                return pages.render(
                    "recover",
                    title: "Recover your account",
                    page: Signup(form: FormState(form, error: error)),
                    request: request,
                    context: context,
                    status: .unprocessableContent
                )
            }
        }
    }

    private func loggedIn(_ grant: SessionGrant, then location: String, notice: String? = nil) -> Response {
        var response = Pages.redirect(location, notice: notice)
        response.setCookie(cookie.setting(token: grant.token.value, expiresAt: grant.expiresAt))
        return response
    }
}
