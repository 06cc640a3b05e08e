import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeWeb

/// A lorebook's editor page: its name, description and entries (keys and content), with room
/// for one more entry each time; other entry settings (order, position, …) are kept as they were.
struct LorebookEditor {
    let pages: Pages
    let lorebooks: Lorebooks

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

    func add(to router: Router<ScribeRequestContext>) {
        let router = router.group("library/lorebooks", context: LibraryContext.self)
        router.get(":id") { request, context in
            try await page(request, context, id: try context.uuidParameter(notFound: "No such lorebook."))
        }
        router.post(":id") { request, context -> Response in
            let form = try await WebForm.read(request, context: context.request)
            let session = context.session
            let id = try context.uuidParameter(notFound: "No such lorebook.")
            do {
                let current = try await lorebooks.get(id, for: session).book
                _ = try await lorebooks.replace(id, with: Self.book(from: form, replacing: current), for: session)
                return Pages.redirect("/library/lorebooks/\(id.uuidString.lowercased())", notice: "Saved.")
            } catch  where FormState.isUsers(error) {
                return try await page(request, context, id: id, form: form, error: error)
            }
        }
    }

    private func page(
        _ request: Request,
        _ context: LibraryContext,
        id: UUID,
        form: WebForm? = nil,
        error: (any Error)? = nil
    ) async throws -> Response {
        let session = context.session
        let lorebook = try await lorebooks.get(id, for: session)
        let book = form.map { Self.book(from: $0, replacing: lorebook.book) } ?? lorebook.book
        var entries = book.entries.enumerated().map { index, entry in
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
            ?? FormState(values: ["name": book.name ?? "", "description": book.data["description"]?.stringValue ?? ""])
        let path = id.uuidString.lowercased()
        let editor = Editor(
            id: path,
            name: lorebook.book.name ?? "Lorebook",
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

    /// The book as the form sets it: `entry_keys_N` / `entry_content_N` for each entry, and
    /// `entry_remove_N` to drop one; an entry left blank is not added.
    static func book(from form: WebForm, replacing current: Lorebook) -> Lorebook {
        var data = current.data
        data["name"] = .string(form["name"])
        data["description"] = .string(form["description"])
        let existing = current.entries
        var entries: [JSONValue] = []
        var index = 0
        while form.fields["entry_content_\(index)"] != nil || form.fields["entry_keys_\(index)"] != nil {
            defer { index += 1 }
            guard form["entry_remove_\(index)"] != "on" else { continue }
            let keys = LibraryPages.tags(form["entry_keys_\(index)"])
            let content = form["entry_content_\(index)"]
            guard !keys.isEmpty || !content.isEmpty else { continue }
            var entry = index < existing.count ? existing[index] : ["enabled": .bool(true), "insertion_order": .number(Double(index))]
            entry["keys"] = .array(keys.map(JSONValue.string))
            entry["content"] = .string(content)
            entries.append(.object(entry))
        }
        data["entries"] = .array(entries)
        return Lorebook(data: data)
    }
}
