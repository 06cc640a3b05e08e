import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// The user's settings: their public profile (display name, bio, avatar), whether follows need
/// approval, the password, and who they block.
public struct SettingsPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let accounts: any AccountsAPI
    let core: any CoreAPI
    let social: SocialModule

    public init(pages: Pages, accounts: any AccountsAPI, core: any CoreAPI, social: SocialModule) {
        self.pages = pages
        self.accounts = accounts
        self.core = core
        self.social = social
    }

    struct Settings {
        var username: String
        var hasAvatar: Bool
        var profileForm: FormState
        var locked: Bool
        var passwordForm: FormState
        var blockForm: FormState
    }

    public func add(to router: Router<Context>) {
        let router = router.group("settings", context: SignedIn<Context>.self)
        router.get { request, context in try await page(request, context) }
        router.post("profile", use: saveProfile)
        router.post("locked", use: setLocked)
        router.post("password", use: changePassword)
        router.post("blocks", use: changeBlock)
    }

    @Sendable func saveProfile(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let token = context.sessionToken
        do {
            try await accounts.setPublicProfile(displayName: form["display_name"], bio: form["bio"], sessionToken: token)
            if let image = form.files["avatar"] {
                try await accounts.setAvatar(image, sessionToken: token)
            } else if form["remove_avatar"] == "on" {
                try await accounts.setAvatar(nil, sessionToken: token)
            }
            return Pages.redirect("/settings", notice: "Your profile is saved; your followers' servers are told.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(request, context, profileForm: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    @Sendable func setLocked(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let me = context.user.id
        let locked = form["locked"] == "on"
        _ = try await social.following.changeSettings(Following.SettingsChange(manuallyApprovesFollowers: locked), as: me)
        return Pages.redirect("/settings", notice: locked ? "New followers now need your approval." : "Anyone may follow you now.")
    }

    @Sendable func changePassword(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        do {
            try await accounts.changePassword(
                current: form.fields["current_password"] ?? "",
                new: form.fields["new_password"] ?? "",
                sessionToken: context.sessionToken
            )
            return Pages.redirect("/settings", notice: "Your password is changed.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(request, context, passwordForm: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    @Sendable func changeBlock(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let me = context.user.id
        do {
            let actor = try await social.following.resolve(form["handle"])
            if form["action"] == "unblock" {
                try await social.actions.unblock(actor, as: me)
            } else {
                try await social.actions.block(actor, as: me)
            }
            return Pages.redirect("/settings", notice: form["action"] == "unblock" ? "Unblocked." : "Blocked: they no longer see or reach you.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            var state = FormState(form, error: error)
            if let message = state.message {
                state.errors["handle"] = message
                state.message = nil
            }
            return try await page(request, context, blockForm: state, status: .unprocessableContent)
        }
    }

    private func page(
        _ request: Request,
        _ context: SignedIn<Context>,
        profileForm: FormState? = nil,
        passwordForm: FormState = .empty,
        blockForm: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let me = context.user
        let profile = try await core.profile(id: me.id)
        let settings = Settings(
            username: me.username,
            hasAvatar: profile.hasAvatar,
            profileForm: profileForm ?? FormState(values: ["display_name": profile.displayName, "bio": profile.bio]),
            locked: try await social.actors.manuallyApprovesFollowers(me.id),
            passwordForm: passwordForm,
            blockForm: blockForm
        )
        return pages.render("settings", title: "Settings", page: settings, request: request, context: context.request, status: status)
    }
}
