import Foundation
import ScribeContracts

/// The character editor's form and the card fields it sets: the same fields for creating and
/// for editing, tags comma-separated.
enum CardForm {
    /// The card fields the editor offers, in order.
    static let fields = ["name", "description", "personality", "scenario", "first_mes", "creator_notes", "tags"]

    /// The card fields the form sets (Character Card V3 `data`).
    static func data(from form: WebForm) -> [String: JSONValue] {
        var data: [String: JSONValue] = [:]
        for field in fields where field != "tags" { data[field] = .string(form[field]) }
        data["tags"] = .array(tags(form["tags"]).map(JSONValue.string))
        return data
    }

    /// A comma-separated list (tags, a lorebook entry's keys), trimmed, without empty items.
    static func tags(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
