import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeSocial

/// The user's settings: their public profile (display name, bio, avatar), whether follows need
/// approval, the password, and who they block.
struct SettingsPages {
    let pages: Pages
    let accounts: Accounts
    let social: SocialModule

    struct Settings {
        var username: String
        var hasAvatar: Bool
        var profileForm: FormState
        var locked: Bool
        var passwordForm: FormState
        var blockForm: FormState
    }

    func add(to router: Router<ScribeRequestContext>) {
        let router = router.group("settings", context: LibraryContext.self)
        router.get { request, context in try await page(request, context) }
        router.post("profile") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            do {
                try await accounts.setPublicProfile(session, displayName: form["display_name"], bio: form["bio"])
                if let image = form.files["avatar"] {
                    try await accounts.setAvatar(session, image: image)
                } else if form["remove_avatar"] == "on" {
                    try await accounts.setAvatar(session, image: nil)
                }
                return Pages.redirect("/settings", notice: "Your profile is saved; your followers' servers are told.")
            } catch  where FormState.isUsers(error) {
                return try await page(request, context, profileForm: FormState(form, error: error), status: .unprocessableContent)
            }
        }
        router.post("locked") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let me = context.session.account.id
            let locked = form["locked"] == "on"
            try await social.actors.setManuallyApprovesFollowers(me, locked)
            return Pages.redirect("/settings", notice: locked ? "New followers now need your approval." : "Anyone may follow you now.")
        }
        router.post("password") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            do {
                try await accounts.changePassword(session, current: form.fields["current_password"] ?? "", new: form.fields["new_password"] ?? "")
                return Pages.redirect("/settings", notice: "Your password is changed.")
            } catch  where FormState.isUsers(error) {
                return try await page(request, context, passwordForm: FormState(form, error: error), status: .unprocessableContent)
            }
        }
        router.post("blocks") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let me = context.session.account.id
            do {
                let actor = try await social.following.resolve(form["handle"])
                if form["action"] == "unblock" {
                    try await social.actions.unblock(actor, as: me)
                } else {
                    try await social.actions.block(actor, as: me)
                }
                return Pages.redirect("/settings", notice: form["action"] == "unblock" ? "Unblocked." : "Blocked: they no longer see or reach you.")
            } catch  where FormState.isUsers(error) {
                var state = FormState(form, error: error)
                if let message = state.message {
                    state.errors["handle"] = message
                    state.message = nil
                }
                return try await page(request, context, blockForm: state, status: .unprocessableContent)
            }
        }
    }

    private func page(
        _ request: Request,
        _ context: LibraryContext,
        profileForm: FormState? = nil,
        passwordForm: FormState = .empty,
        blockForm: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let session = context.session
        let profile = try await accounts.profile(id: session.account.id)
        let settings = Settings(
            username: session.account.username,
            hasAvatar: profile.hasAvatar,
            profileForm: profileForm ?? FormState(values: ["display_name": profile.displayName, "bio": profile.bio]),
            locked: try await social.actors.manuallyApprovesFollowers(session.account.id),
            passwordForm: passwordForm,
            blockForm: blockForm
        )
        return pages.render("settings", title: "Settings", page: settings, request: request, context: context.request, status: status)
    }
}
