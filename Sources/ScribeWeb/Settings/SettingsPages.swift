import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// The user's settings: their public profile (display name, bio, fields, avatar, header), how
/// they are found and followed, their other accounts and a move, the password, and who they
/// block.
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
        var avatarURL: String?
        var headerURL: String?
        /// The profile's page, which a site links with `rel="me"` to verify a field.
        var profileURL: String
        var profileForm: FormState
        /// One row per profile field the form offers (always ``ProfileField/maximumCount``).
        var fieldRows: [FieldRow]
        var account: LocalActors.AccountSettings
        var aliasForm: FormState
        var moveForm: FormState
        var passwordForm: FormState
        var blockForm: FormState
    }

    struct FieldRow {
        var index: Int
        var number: Int
        var name: String
        var value: String
        /// Whether the page at the value links back with `rel="me"`.
        var verified: Bool
    }

    public func add(to router: Router<Context>) {
        let router = router.group("settings", context: SignedIn<Context>.self)
        router.get { request, context in try await page(request, context) }
        router.post("profile", use: saveProfile)
        router.post("account", use: saveAccount)
        router.post("aliases", use: saveAliases)
        router.post("move", use: move)
        router.post("display", use: saveDisplay)
        router.post("password", use: changePassword)
        router.post("blocks", use: changeBlock)
    }

    @Sendable func saveProfile(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let token = context.sessionToken
        do {
            try await accounts.setPublicProfile(
                displayName: form["display_name"],
                bio: form["bio"],
                fields: Self.fields(in: form),
                sessionToken: token
            )
            for image in ProfileImage.allCases {
                if let bytes = form.files[image.rawValue] {
                    try await accounts.setImage(image, to: bytes, sessionToken: token)
                } else if form["remove_\(image.rawValue)"] == "on" {
                    try await accounts.setImage(image, to: nil, sessionToken: token)
                }
            }
            return Pages.redirect("/settings", notice: "Your profile is saved; your followers' servers are told.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(request, context, profileForm: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    /// The profile fields a form sends (`field_0_name`, `field_0_value`, …), or nil when it sends
    /// none, so a form without them leaves them as they are.
    static func fields(in form: WebForm) -> [ProfileField]? {
        guard form.fields.keys.contains(where: { $0.hasPrefix("field_") }) else { return nil }
        return (0..<ProfileField.maximumCount).map { ProfileField(name: form["field_\($0)_name"], value: form["field_\($0)_value"]) }
    }

    @Sendable func saveAccount(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let locked = form["locked"] == "on"
        // A box left unticked is not sent: each of the three is set from the form.
        let change = Following.SettingsChange(
            manuallyApprovesFollowers: locked,
            discoverable: form["discoverable"] == "on",
            indexable: form["indexable"] == "on"
        )
        _ = try await social.following.changeSettings(change, as: context.user.id)
        return Pages.redirect("/settings", notice: locked ? "New followers now need your approval." : "Anyone may follow you now.")
    }

    /// Whether adult art shows without a blur in this browser: remembered in a cookie for a year.
    @Sendable func saveDisplay(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let show = form["show_adult"] == "on"
        var response = Pages.redirect(
            "/settings",
            notice: show ? "Adult art now shows without a blur here." : "Adult art is blurred until you click it."
        )
        response.setCookie(
            Cookie(name: Pages.adultCookie, value: show ? "show" : "", maxAge: show ? 365 * 24 * 3600 : 0, path: "/", httpOnly: true, sameSite: .lax)
        )
        return response
    }

    @Sendable func saveAliases(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let handles = form["aliases"].split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            _ = try await social.following.setAliases(handles, as: context.user.id)
            return Pages.redirect("/settings", notice: handles.isEmpty ? "No other accounts are named now." : "Your other accounts are named.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(request, context, aliasForm: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    @Sendable func move(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        do {
            let moved = try await social.following.move(
                to: form["target"],
                as: context.user.id,
                password: form.fields["password"] ?? "",
                sessionToken: context.sessionToken
            )
            return Pages.redirect("/settings", notice: "Moved to \(moved.movedTo ?? form["target"]): your followers here follow it now.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(request, context, moveForm: FormState(form, error: error), status: .unprocessableContent)
        }
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
            let state = FormState(form, error: error, field: "handle")
            return try await page(request, context, blockForm: state, status: .unprocessableContent)
        }
    }

    private func page(
        _ request: Request,
        _ context: SignedIn<Context>,
        profileForm: FormState? = nil,
        aliasForm: FormState? = nil,
        moveForm: FormState = .empty,
        passwordForm: FormState = .empty,
        blockForm: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let me = context.user
        let profile = try await core.profile(id: me.id)
        let account = try await social.actors.accountSettings(me.id)
        let verified = try await social.actors.verifiedLinks(of: me.id)
        var saved = ["display_name": profile.displayName, "bio": profile.bio]
        for (index, field) in profile.fields.enumerated() {
            saved["field_\(index)_name"] = field.name
            saved["field_\(index)_value"] = field.value
        }
        let profileForm = profileForm ?? FormState(values: saved)
        let rows = (0..<ProfileField.maximumCount).map { index in
            let value = profileForm.values["field_\(index)_value"] ?? ""
            return FieldRow(
                index: index,
                number: index + 1,
                name: profileForm.values["field_\(index)_name"] ?? "",
                value: value,
                verified: verified[value] != nil
            )
        }
        let settings = Settings(
            username: me.username,
            avatarURL: profile.imagePath(.avatar, width: 160),
            headerURL: profile.imagePath(.header, width: 640),
            profileURL: social.urls.profile(me.username),
            profileForm: profileForm,
            fieldRows: rows,
            account: account,
            aliasForm: aliasForm ?? FormState(values: ["aliases": account.alsoKnownAs.joined(separator: "\n")]),
            moveForm: moveForm,
            passwordForm: passwordForm,
            blockForm: blockForm
        )
        return pages.render("settings", title: "Settings", page: settings, request: request, context: context.request, status: status)
    }
}
