import Foundation
import ScribeContracts

/// The character editor's form and the card fields it sets: the same fields for creating and
/// for editing, tags comma-separated, alternate greetings apart by a line of `---`.
///
/// Guarantees: text keeps its line breaks as typed, as `\n` (a browser sends a textarea's as
/// `\r\n`); fields the form does not show stay as they are (the editor merges).
enum CardForm {
    /// The text fields the editor offers, in order (then alternate greetings and tags).
    static let fields = [
        "name", "description", "personality", "scenario", "first_mes", "mes_example", "system_prompt", "post_history_instructions",
        "creator_notes",
    ]

    /// The line between two alternate greetings in their one field.
    static let greetingSeparator = "\n---\n"

    /// The card fields the form sets (Character Card V3 `data`).
    static func data(from form: WebForm) -> [String: JSONValue] {
        var data: [String: JSONValue] = [:]
        for field in fields {
            data[field] = .string(field == "name" ? form[field] : text(form.fields[field] ?? ""))
        }
        data["alternate_greetings"] = .array(greetings(text(form.fields["alternate_greetings"] ?? "")).map(JSONValue.string))
        data["tags"] = .array(tags(form["tags"]).map(JSONValue.string))
        return data
    }

    /// The form's values for a card's `data`.
    static func values(of data: [String: JSONValue]) -> [String: String] {
        var values: [String: String] = [:]
        for field in fields { values[field] = data[field]?.stringValue ?? "" }
        values["alternate_greetings"] = (data["alternate_greetings"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: greetingSeparator)
        values["tags"] = (data["tags"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
        return values
    }

    /// A textarea's text with its line breaks as `\n`, and no trailing blank space.
    static func text(_ typed: String) -> String {
        var text = typed.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        while let last = text.unicodeScalars.last, CharacterSet.whitespacesAndNewlines.contains(last) { text.unicodeScalars.removeLast() }
        return text
    }

    /// Alternate greetings from their field: apart by a line of `---`, the empty ones left out.
    static func greetings(_ text: String) -> [String] {
        text.components(separatedBy: "\n").split { $0.trimmingCharacters(in: .whitespaces) == "---" }
            .map { $0.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// A comma-separated list (tags, a lorebook entry's keys), trimmed, without empty items.
    static func tags(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
