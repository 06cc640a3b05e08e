import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP
import ScribeImages

/// The user's library as pages: their characters and lorebooks, importing (PNG, JSON, CHARX,
/// World Info), creating and editing characters, choosing who sees each, exporting and deleting;
/// and their marketplace favourites, with what changed since they looked.
public struct LibraryPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let library: any LibraryAPI
    let marketplace: any MarketplaceAPI

    public init(pages: Pages, library: any LibraryAPI, marketplace: any MarketplaceAPI) {
        self.pages = pages
        self.library = library
        self.marketplace = marketplace
    }

    struct Library {
        var characters: [CharacterLine]
        var lorebooks: [LorebookLine]
        /// Her favourites as the marketplace's cards, those changed since she looked marked.
        var favourites: ItemView.CardList?
        var importForm: FormState
        var createForm: FormState
        var lorebookForm: FormState
        /// The import form's kind, kept after a failure.
        var importsLorebook: Bool
    }

    /// A character as the library's grid shows it: its art, who sees it, and, once listed, how
    /// it fares in the marketplace.
    struct CharacterLine {
        var name: String
        var editURL: String
        var art: CardArt
        var visibility: String
        var updated: String
        var stats: String?
    }

    struct LorebookLine {
        var id: String
        var name: String
        var entries: Int
        var isPublic: Bool
        var pageURL: String
        var updated: String
    }

    struct Editor {
        var id: String
        var name: String
        /// Its art as the owner's library serves it, or its placeholder.
        var art: CardArt
        var form: FormState
        var visibilities: [Choice]
        var pageURL: String?
        var exports: [ItemView.DownloadLink]
    }

    public func add(to router: Router<Context>) {
        let router = router.group("library", context: SignedIn<Context>.self)
        router.get { request, context in try await library(request, context) }
        router.post("import", use: importFile)
        router.post("characters", use: createCharacter)
        router.post("lorebooks", use: createLorebook)
        router.get("characters/:id", use: editCharacter)
        router.post("characters/:id", use: saveCharacter)
        router.post("characters/:id/visibility", use: shareCharacter)
        router.post("characters/:id/delete", use: deleteCharacter)
        router.post("lorebooks/:id/visibility", use: shareLorebook)
        router.post("lorebooks/:id/delete", use: deleteLorebook)
        router.get("art/:id/:version/:size", use: art)
    }

    /// A character's art for its owner, whoever else may see it: a thumbnail as ``ItemArt`` makes
    /// them, but cached by the owner's browser alone (`private`), at a URL that names the
    /// character's version.
    @Sendable func art(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let (id, width) = try ArtAddress.parse(context.parameters)
        let answer = ThumbnailResponse(
            subject: id.uuidString.lowercased(),
            version: ArtAddress.version(context.parameters),
            width: width,
            caching: .privateImmutable
        )
        return try await answer.respond(to: request, missing: "This character has no art.") {
            try await library.characterArt(id, sessionToken: context.sessionToken).flatMap { Thumbnail.make(from: $0, width: width) }
        }
    }

    @Sendable func importFile(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let token = context.sessionToken
        do {
            guard let file = form.files["file"] else { throw CoreError(.invalidInput, "Choose a file to import.", field: "file") }
            if form["kind"] == "lorebook" {
                // World Info files carry no name of their own: the file's stands in.
                let stem = form.fileNames["file"].map { ($0 as NSString).deletingPathExtension }
                let book = try await library.importLorebook(file, name: stem, sessionToken: token)
                return Pages.redirect("/library", notice: "Imported the lorebook \(book.data["name"]?.stringValue ?? "").")
            }
            let character = try await library.importCharacter(file, sessionToken: token)
            return Pages.redirect("/library/characters/\(character.id.uuidString.lowercased())", notice: "Imported \(character.name).")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            // The import form has one field: every problem is about the file.
            var state = FormState(form, error: error)
            state.errors = ["file": FormState.explain(error).message]
            state.message = nil
            return try await library(request, context, importForm: state, status: .unprocessableContent)
        }
    }

    @Sendable func createCharacter(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        do {
            let card: JSONValue = .object([
                "spec": .string("chara_card_v3"), "spec_version": .string("3.0"), "data": .object(CardForm.data(from: form)),
            ])
            let character = try await library.createCharacter(card: card, sessionToken: context.sessionToken)
            return Pages.redirect("/library/characters/\(character.id.uuidString.lowercased())", notice: "Created \(character.name).")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await library(request, context, createForm: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    @Sendable func createLorebook(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        do {
            let book = try await library.createLorebook(
                .object(["name": .string(form["name"]), "description": .string(form["description"]), "entries": .array([])]),
                sessionToken: context.sessionToken
            )
            return Pages.redirect("/library/lorebooks/\(book.id.uuidString.lowercased())", notice: "Created: add its entries.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await library(request, context, lorebookForm: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    @Sendable func editCharacter(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        try await editor(request, context, id: try context.uuidParameter(notFound: "No such character."))
    }

    @Sendable func saveCharacter(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let id = try context.uuidParameter(notFound: "No such character.")
        do {
            let current = try await library.character(id, sessionToken: context.sessionToken).card.objectValue ?? [:]
            var card = current
            card["data"] = .object((card["data"]?.objectValue ?? [:]).merging(CardForm.data(from: form)) { $1 })
            // New art, kept as PNG as cards embed it; a JPEG is converted.
            let avatar = try form.files["avatar"].flatMap { $0.isEmpty ? nil : $0 }.map { upload throws(CoreError) in
                guard let png = Thumbnail.png(from: upload) else { throw CoreError(.invalidInput, "Art is a PNG or JPEG image.", field: "avatar") }
                return png
            }
            // Saving what is there already records no new version.
            guard card != current || avatar != nil else {
                return Pages.redirect("/library/characters/\(id.uuidString.lowercased())", notice: "Nothing changed.")
            }
            _ = try await library.replaceCard(
                of: id,
                with: .object(card),
                avatar: avatar,
                changeNote: form["change_note"],
                sessionToken: context.sessionToken
            )
            return Pages.redirect("/library/characters/\(id.uuidString.lowercased())", notice: "Saved.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await editor(request, context, id: id, form: FormState(form, error: error), status: .unprocessableContent)
        }
    }

    @Sendable func shareCharacter(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let id = try context.uuidParameter(notFound: "No such character.")
        guard let visibility = SharingVisibility(rawValue: form["visibility"]) else {
            return try await editor(
                request,
                context,
                id: id,
                form: FormState(values: [:], errors: [:], message: "Choose who may see it."),
                status: .unprocessableContent
            )
        }
        _ = try await library.setVisibility(of: id, to: visibility, sessionToken: context.sessionToken)
        return Pages.redirect(
            "/library/characters/\(id.uuidString.lowercased())",
            notice: visibility == .private ? "Only you see it now." : "Shared: \(visibility.rawValue)."
        )
    }

    @Sendable func deleteCharacter(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        _ = try await WebForm.read(request, context: context.request)
        try await library.deleteCharacter(try context.uuidParameter(notFound: "No such character."), sessionToken: context.sessionToken)
        return Pages.redirect("/library", notice: "Deleted.")
    }

    @Sendable func shareLorebook(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let id = try context.uuidParameter(notFound: "No such lorebook.")
        _ = try await library.setLorebookPublic(id, form["visibility"] == "public", sessionToken: context.sessionToken)
        return Pages.redirect("/library", notice: form["visibility"] == "public" ? "The lorebook is public." : "The lorebook is private.")
    }

    @Sendable func deleteLorebook(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        _ = try await WebForm.read(request, context: context.request)
        try await library.deleteLorebook(try context.uuidParameter(notFound: "No such lorebook."), sessionToken: context.sessionToken)
        return Pages.redirect("/library", notice: "Deleted.")
    }

    /// Who sees a character, in the editor's words.
    static func audience(_ visibility: SharingVisibility) -> String {
        switch visibility {
        case .private: "Only me"
        case .unlisted: "Anyone with the link"
        case .followers: "My followers"
        case .public: "Everyone"
        }
    }

    private func library(
        _ request: Request,
        _ context: SignedIn<Context>,
        importForm: FormState = .empty,
        createForm: FormState = .empty,
        lorebookForm: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        // How the listed ones fare: the marketplace's figures, by item.
        let listed = try await marketplace.listings(
            matching: try ListingQuery.parse([("creator", context.user.username), ("rating", "all"), ("limit", "100")])
        ).listings
        let figures = Dictionary(listed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let characters = try await library.characters(sessionToken: context.sessionToken).map { character in
            CharacterLine(
                name: character.name,
                editURL: "/library/characters/\(character.id.uuidString.lowercased())",
                art: CardArt(
                    id: character.id,
                    name: character.name,
                    hasArt: character.hasAvatar,
                    version: character.updatedAt,
                    adult: false,
                    place: .library
                ),
                visibility: Self.audience(character.visibility),
                updated: ItemView.date(character.updatedAt),
                stats: figures[character.id].map { ListingFigures($0).line }
            )
        }
        let lorebooks = try await library.lorebooks(sessionToken: context.sessionToken).map {
            LorebookLine(
                id: $0.id.uuidString.lowercased(),
                name: $0.name,
                entries: $0.entryCount,
                isPublic: $0.isPublic,
                pageURL: "/lorebooks/\($0.id.uuidString.lowercased())",
                updated: ItemView.date($0.updatedAt)
            )
        }
        let favourites = try await marketplace.favourites(of: context.marketplaceCaller).map { favourite in
            var card = ListingCard(favourite.listing)
            card.changed = favourite.changed
            return card
        }
        let page = Library(
            characters: characters,
            lorebooks: lorebooks,
            favourites: favourites.isEmpty ? nil : ItemView.CardList(results: favourites),
            importForm: importForm,
            createForm: createForm,
            lorebookForm: lorebookForm,
            importsLorebook: importForm.values["kind"] == "lorebook"
        )
        return pages.render("library", title: "Your library", page: page, request: request, context: context.request, status: status)
    }

    private func editor(
        _ request: Request,
        _ context: SignedIn<Context>,
        id: UUID,
        form: FormState? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let character = try await library.character(id, sessionToken: context.sessionToken)
        let data = character.card.objectValue?["data"]?.objectValue ?? [:]
        let values = CardForm.values(of: data)
        let path = id.uuidString.lowercased()
        let editor = Editor(
            id: path,
            name: character.name,
            art: CardArt(
                id: id,
                name: character.name,
                hasArt: character.hasAvatar,
                version: character.updatedAt,
                adult: false,
                width: 320,
                place: .library
            ),
            form: form ?? FormState(values: values),
            visibilities: Choice.options(
                SharingVisibility.allCases.map { ($0.rawValue, $0 == .public ? "Everyone (listed, federated)" : Self.audience($0)) },
                selected: character.visibility.rawValue
            ),
            pageURL: character.visibility == .private ? nil : "/characters/\(path)",
            exports: [("png", "PNG card"), ("v3", "JSON (V3)"), ("v2", "JSON (V2)"), ("charx", "CHARX")]
                .map { ItemView.DownloadLink(label: $0.1, url: "/api/v1/characters/\(path)/export?format=\($0.0)") }
        )
        return pages.render(
            "character-editor",
            title: "Edit \(character.name)",
            page: editor,
            request: request,
            context: context.request,
            status: status
        )
    }
}
