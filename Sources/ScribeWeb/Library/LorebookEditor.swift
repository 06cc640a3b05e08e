import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP

/// A lorebook's editor page: its name, description and entries (keys and content), with room
/// for one more entry each time; other entry settings (order, position, …) are kept as they were.
public struct LorebookEditor<Context: SessionContext>: Sendable {
    let pages: Pages
    let library: any LibraryAPI

    public init(pages: Pages, library: any LibraryAPI) {
        self.pages = pages
        self.library = library
    }

    struct Editor {
        var id: String
        var name: String
        var form: FormState
        var entries: [EntryFields]
        var pageURL: String?
    }

    struct EntryFields {
        var index: Int
        var number: Int
        var keys: String
        var content: String
        var isNew: Bool
    }

    public func add(to router: Router<Context>) {
        let router = router.group("library/lorebooks", context: SignedIn<Context>.self)
        router.get(":id", use: show)
        router.post(":id", use: save)
    }

    @Sendable func show(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        try await page(request, context, id: try context.uuidParameter(notFound: "No such lorebook."))
    }

    @Sendable func save(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let id = try context.uuidParameter(notFound: "No such lorebook.")
        do {
            let current = try await library.lorebook(id, sessionToken: context.sessionToken).data
            let book: JSONValue = .object(["spec": .string("lorebook_v3"), "data": .object(Self.book(from: form, replacing: current))])
            _ = try await library.replaceLorebook(id, with: book, sessionToken: context.sessionToken)
            return Pages.redirect("/library/lorebooks/\(id.uuidString.lowercased())", notice: "Saved.")
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(request, context, id: id, form: form, error: error)
        }
    }

    private func page(
        _ request: Request,
        _ context: SignedIn<Context>,
        id: UUID,
        form: WebForm? = nil,
        error: (any Error)? = nil
    ) async throws -> Response {
        let lorebook = try await library.lorebook(id, sessionToken: context.sessionToken)
        let book = form.map { Self.book(from: $0, replacing: lorebook.data) } ?? lorebook.data
        let bookEntries = (book["entries"]?.arrayValue ?? []).map { $0.objectValue ?? [:] }
        var entries = bookEntries.enumerated().map { index, entry in
            EntryFields(
                index: index,
                number: index + 1,
                keys: (entry["keys"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
                content: entry["content"]?.stringValue ?? "",
                isNew: false
            )
        }
        entries.append(EntryFields(index: entries.count, number: entries.count + 1, keys: "", content: "", isNew: true))
        let state =
            form.flatMap { form in error.map { FormState(form, error: $0) } }
            ?? FormState(values: ["name": book["name"]?.stringValue ?? "", "description": book["description"]?.stringValue ?? ""])
        let path = id.uuidString.lowercased()
        let editor = Editor(
            id: path,
            name: lorebook.data["name"]?.stringValue ?? "Lorebook",
            form: state,
            entries: entries,
            pageURL: lorebook.isPublic ? "/lorebooks/\(path)" : nil
        )
        return pages.render(
            "lorebook-editor",
            title: "Edit \(editor.name)",
            page: editor,
            request: request,
            context: context.request,
            status: error == nil ? .ok : .unprocessableContent
        )
    }

    /// The book's fields (Lorebook V3 `data`) as the form sets them: `entry_keys_N` /
    /// `entry_content_N` for each entry, and `entry_remove_N` to drop one; an entry left blank is
    /// not added. Other entry settings (order, position, …) are kept as they were.
    static func book(from form: WebForm, replacing current: [String: JSONValue]) -> [String: JSONValue] {
        var data = current
        data["name"] = .string(form["name"])
        data["description"] = .string(form["description"])
        let existing = (current["entries"]?.arrayValue ?? []).map { $0.objectValue ?? [:] }
        var entries: [JSONValue] = []
        var index = 0
        while form.fields["entry_content_\(index)"] != nil || form.fields["entry_keys_\(index)"] != nil {
            defer { index += 1 }
            guard form["entry_remove_\(index)"] != "on" else { continue }
            let keys = CardForm.tags(form["entry_keys_\(index)"])
            let content = form["entry_content_\(index)"]
            guard !keys.isEmpty || !content.isEmpty else { continue }
            var entry = index < existing.count ? existing[index] : ["enabled": .bool(true), "insertion_order": .number(Double(index))]
            entry["keys"] = .array(keys.map(JSONValue.string))
            entry["content"] = .string(content)
            entries.append(.object(entry))
        }
        data["entries"] = .array(entries)
        return data
    }
}
