import Foundation
import ScribeContracts

extension ItemMetadata {
    /// The fields of a card or lorebook whose text goes into a prompt, for the token estimate.
    static let promptFields = ["description", "personality", "scenario", "first_mes", "mes_example", "system_prompt", "post_history_instructions"]

    /// The listing metadata of a shared item, read from its shared content.
    init(_ item: SharedItem) {
        let root = item.content.objectValue ?? [:]
        let data = root["data"]?.objectValue ?? [:]
        let book = item.kind == .lorebook ? data : data["character_book"]?.objectValue
        let entries = book?["entries"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let promptText =
            Self.promptFields.compactMap { data[$0]?.stringValue }.joined()
            + entries.compactMap { $0["content"]?.stringValue }.joined()
        self.init(
            kind: item.kind,
            id: item.id,
            ownerID: item.ownerID,
            ownerUsername: item.ownerUsername,
            visibility: item.visibility,
            name: data["name"]?.stringValue ?? "",
            tags: data["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            creator: data["creator"]?.stringValue,
            spec: root["spec"]?.stringValue ?? "",
            specVersion: root["spec_version"]?.stringValue,
            characterVersion: data["character_version"]?.stringValue,
            hasAvatar: item.hasAvatar,
            entryCount: entries.count,
            tokenEstimate: (promptText.count + 3) / 4,
            publishedAt: item.publishedAt,
            updatedAt: item.updatedAt,
            tagline: Self.tagline(data),
            contentRating: item.contentRating
        )
    }

    /// The first non-empty line of the creator notes, else of the description, at most 160 characters.
    static func tagline(_ data: [String: JSONValue]) -> String? {
        for field in ["creator_notes", "description"] {
            guard let text = data[field]?.stringValue else { continue }
            let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
            if let line { return line.count > 160 ? String(line.prefix(159)) + "…" : line }
        }
        return nil
    }
}
