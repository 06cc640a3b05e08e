import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeWeb

/// The user's library as pages: their characters and lorebooks, importing (PNG, JSON, CHARX,
/// World Info), creating and editing characters, choosing who sees each, exporting and deleting;
/// and their marketplace favourites, with what changed since they looked.
struct LibraryPages {
    let pages: Pages
    let core: CoreModule
    let marketplace: any MarketplaceAPI

    struct Library {
        var characters: [CharacterLine]
        var lorebooks: [LorebookLine]
        var favourites: [Favourite]
        var importForm: FormState
        var createForm: FormState
        var lorebookForm: FormState
        /// The import form's kind, kept after a failure.
        var importsLorebook: Bool
    }

    struct CharacterLine {
        var name: String
        var editURL: String
        var visibility: String
        var updated: String
    }

    struct LorebookLine {
        var id: String
        var name: String
        var entries: Int
        var isPublic: Bool
        var pageURL: String
        var updated: String
    }

    struct Favourite {
        var name: String
        var url: String
        var changed: Bool
    }

    struct Editor {
        var id: String
        var name: String
        var hasAvatar: Bool
        var form: FormState
        var visibilities: [Choice]
        var pageURL: String?
        var exports: [ItemView.DownloadLink]
    }

    /// The card fields the editor offers, in order.
    static let cardFields = ["name", "description", "personality", "scenario", "first_mes", "creator_notes", "tags"]

    func add(to router: Router<ScribeRequestContext>) {
        let router = router.group("library", context: LibraryContext.self)
        router.get { request, context in try await library(request, context) }
        router.post("import") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            do {
                guard let file = form.files["file"] else { throw CoreError.init(.invalidInput, "Choose a file to import.", field: "file") }
                if form["kind"] == "lorebook" {
                    // World Info files carry no name of their own: the file's stands in.
                    let stem = form.fileNames["file"].map { ($0 as NSString).deletingPathExtension }
                    let book = try await core.lorebooks.importFile(file, name: stem, for: session)
                    return Pages.redirect("/library", notice: "Imported the lorebook \(book.book.name ?? "").")
                }
                let character = try await core.characters.importFile(file, for: session)
                return Pages.redirect("/library/characters/\(character.id.uuidString.lowercased())", notice: "Imported \(character.card.name).")
            } catch  where FormState.isUsers(error) {
                // The import form has one field: every problem is about the file.
                var state = FormState(form, error: error)
                state.errors = ["file": FormState.explain(error).message]
                state.message = nil
                return try await library(request, context, importForm: state, status: .unprocessableContent)
            }
        }
        router.post("characters") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            do {
                let character = try await core.characters.create(CharacterCard(data: Self.cardData(from: form)), for: session)
                return Pages.redirect("/library/characters/\(character.id.uuidString.lowercased())", notice: "Created \(character.card.name).")
            } catch  where FormState.isUsers(error) {
                return try await library(request, context, createForm: FormState(form, error: error), status: .unprocessableContent)
            }
        }
        router.post("lorebooks") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            do {
                let book = try await core.lorebooks.create(
                    Lorebook(data: ["name": .string(form["name"]), "description": .string(form["description"]), "entries": .array([])]),
                    for: session
                )
                return Pages.redirect("/library/lorebooks/\(book.id.uuidString.lowercased())", notice: "Created: add its entries.")
            } catch  where FormState.isUsers(error) {
                return try await library(request, context, lorebookForm: FormState(form, error: error), status: .unprocessableContent)
            }
        }
        router.get("characters/:id") { request, context in
            try await editor(request, context, id: try context.uuidParameter(notFound: "No such character."))
        }
        router.post("characters/:id") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            let id = try context.uuidParameter(notFound: "No such character.")
            do {
                var card = try await core.characters.get(id, for: session).card
                card.data.merge(Self.cardData(from: form)) { $1 }
                _ = try await core.characters.replaceCard(id, with: card, for: session)
                return Pages.redirect("/library/characters/\(id.uuidString.lowercased())", notice: "Saved.")
            } catch  where FormState.isUsers(error) {
                return try await editor(request, context, id: id, form: FormState(form, error: error), status: .unprocessableContent)
            }
        }
        router.post("characters/:id/visibility") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
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
            _ = try await core.characters.setVisibility(id, to: visibility, for: session)
            return Pages.redirect(
                "/library/characters/\(id.uuidString.lowercased())",
                notice: visibility == .private ? "Only you see it now." : "Shared: \(visibility.rawValue)."
            )
        }
        router.post("characters/:id/delete") { request, context -> Response in
            _ = try await WebForm.read(request, context: context.request)
            try await core.characters.delete(try context.uuidParameter(notFound: "No such character."), for: context.session)
            return Pages.redirect("/library", notice: "Deleted.")
        }
        router.post("lorebooks/:id/visibility") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let id = try context.uuidParameter(notFound: "No such lorebook.")
            _ = try await core.lorebooks.setPublic(id, form["visibility"] == "public", for: context.session)
            return Pages.redirect("/library", notice: form["visibility"] == "public" ? "The lorebook is public." : "The lorebook is private.")
        }
        router.post("lorebooks/:id/delete") { request, context -> Response in
            _ = try await WebForm.read(request, context: context.request)
            try await core.lorebooks.delete(try context.uuidParameter(notFound: "No such lorebook."), for: context.session)
            return Pages.redirect("/library", notice: "Deleted.")
        }
    }

    private func library(
        _ request: Request,
        _ context: LibraryContext,
        importForm: FormState = .empty,
        createForm: FormState = .empty,
        lorebookForm: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let session = context.session
        let characters = try await core.characters.list(for: session).map {
            CharacterLine(
                name: $0.name,
                editURL: "/library/characters/\($0.id.uuidString.lowercased())",
                visibility: $0.visibility.rawValue,
                updated: ItemView.date($0.updatedAt)
            )
        }
        let lorebooks = try await core.lorebooks.list(for: session).map {
            LorebookLine(
                id: $0.id.uuidString.lowercased(),
                name: $0.name,
                entries: $0.entryCount,
                isPublic: $0.isPublic,
                pageURL: "/lorebooks/\($0.id.uuidString.lowercased())",
                updated: ItemView.date($0.updatedAt)
            )
        }
        let favourites = try await marketplace.favourites(of: context.request.marketplaceCaller).map {
            Favourite(name: $0.listing.name, url: "/\($0.listing.kind)s/\($0.listing.id.uuidString.lowercased())", changed: $0.changed)
        }
        let page = Library(
            characters: characters,
            lorebooks: lorebooks,
            favourites: favourites,
            importForm: importForm,
            createForm: createForm,
            lorebookForm: lorebookForm,
            importsLorebook: importForm.values["kind"] == "lorebook"
        )
        return pages.render("library", title: "Your library", page: page, request: request, context: context.request, status: status)
    }

    private func editor(
        _ request: Request,
        _ context: LibraryContext,
        id: UUID,
        form: FormState? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let character = try await core.characters.get(id, for: context.session)
        var values: [String: String] = [:]
        for field in Self.cardFields where field != "tags" { values[field] = character.card.data[field]?.stringValue ?? "" }
        values["tags"] = (character.card.data["tags"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
        let path = id.uuidString.lowercased()
        let editor = Editor(
            id: path,
            name: character.card.name,
            hasAvatar: character.avatarContentType != nil,
            form: form ?? FormState(values: values),
            visibilities: Choice.options(
                [
                    ("private", "Only me"), ("unlisted", "Anyone with the link"), ("followers", "My followers"),
                    ("public", "Everyone (listed, federated)"),
                ],
                selected: character.visibility.rawValue
            ),
            pageURL: character.visibility == .private ? nil : "/characters/\(path)",
            exports: [("png", "PNG card"), ("v3", "JSON (V3)"), ("v2", "JSON (V2)"), ("charx", "CHARX")]
                .map { ItemView.DownloadLink(label: $0.1, url: "/api/v1/characters/\(path)/export?format=\($0.0)") }
        )
        return pages.render(
            "character-editor",
            title: "Edit \(character.card.name)",
            page: editor,
            request: request,
            context: context.request,
            status: status
        )
    }

    /// The card fields the editor sets, from its form (tags comma-separated).
    static func cardData(from form: WebForm) -> [String: JSONValue] {
        var data: [String: JSONValue] = [:]
        for field in cardFields where field != "tags" { data[field] = .string(form[field]) }
        data["tags"] = .array(tags(form["tags"]).map(JSONValue.string))
        return data
    }

    static func tags(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
