import Foundation
import ScribeContracts

/// A character card (SillyTavern / Character Card V1, V2 or V3), normalised to V3.
///
/// `data` holds every field of the card's `data` object as JSON, known or not; the accessors
/// below read the known ones. Reading never drops a field; ``v3JSON()`` and ``v2JSON()`` write
/// them all back, so import followed by export keeps unknown fields and `extensions` intact.
public struct CharacterCard: Sendable, Equatable {
    /// The spec the card was read as (`chara_card_v2`, `chara_card_v3`, or `v1` / `pygmalion`
    /// for the older shapes), and its version string.
    public var sourceSpec: String
    public var sourceSpecVersion: String
    public var data: [String: JSONValue]

    /// Fields whose absence V3 forbids, with the empty value they default to.
    static let requiredDefaults: [String: JSONValue] = [
        "name": .string(""), "description": .string(""), "personality": .string(""), "scenario": .string(""),
        "first_mes": .string(""), "mes_example": .string(""), "creator_notes": .string(""), "system_prompt": .string(""),
        "post_history_instructions": .string(""), "alternate_greetings": .array([]), "tags": .array([]), "creator": .string(""),
        "character_version": .string(""), "extensions": .object([:]), "group_only_greetings": .array([]),
    ]

    /// The V1 fields, which V1 cards keep at the top level.
    static let v1Fields = ["name", "description", "personality", "scenario", "first_mes", "mes_example"]

    public init(data: [String: JSONValue], sourceSpec: String = "chara_card_v3", sourceSpecVersion: String = "3.0") {
        self.data = Self.requiredDefaults.merging(data) { _, given in given }
        self.sourceSpec = sourceSpec
        self.sourceSpecVersion = sourceSpecVersion
    }

    // MARK: Reading

    /// Reads a card from its JSON text in any of the shapes SillyTavern imports: V2/V3 (`spec`
    /// and `data`), V1 (fields at the top level), or Pygmalion (`char_name`, `char_persona`, ...).
    public static func read(json: Data) throws(CoreError) -> CharacterCard {
        guard let value = JSONValue.parse(json), case .object(let root) = value else {
            throw CoreError.invalid("card", "The card is not a JSON object.")
        }
        if let spec = root["spec"]?.stringValue {
            guard spec == "chara_card_v2" || spec == "chara_card_v3" else {
                throw CoreError.invalid("card", "The card's spec \"\(spec)\" is not chara_card_v2 or chara_card_v3.")
            }
            guard let data = root["data"]?.objectValue else { throw CoreError.invalid("card", "The card has no data object.") }
            let version = root["spec_version"]?.stringValue ?? (spec == "chara_card_v3" ? "3.0" : "2.0")
            return CharacterCard(data: Self.removingBackfillWarning(data), sourceSpec: spec, sourceSpecVersion: version)
        }
        if root["name"]?.stringValue != nil {
            return CharacterCard(data: root.filter { v1Fields.contains($0.key) }, sourceSpec: "v1", sourceSpecVersion: "1.0")
        }
        if let name = root["char_name"]?.stringValue {
            let mapping = [
                "char_persona": "description", "world_scenario": "scenario", "char_greeting": "first_mes", "example_dialogue": "mes_example",
            ]
            var data: [String: JSONValue] = ["name": .string(name)]
            for (from, to) in mapping { if let value = root[from] { data[to] = value } }
            return CharacterCard(data: data, sourceSpec: "pygmalion", sourceSpecVersion: "1.0")
        }
        throw CoreError.invalid("card", "This JSON is not a character card (no spec, name or char_name).")
    }

    /// The V2 backfill written next to a V3 card may carry this warning; readers trim it.
    static let backfillWarning =
        "This character card is Character Card V3, but it is loaded as a Character Card V2. Please use a Character Card V3 compatible application to use this character card properly."

    private static func removingBackfillWarning(_ data: [String: JSONValue]) -> [String: JSONValue] {
        guard let notes = data["creator_notes"]?.stringValue, notes.hasPrefix(backfillWarning) else { return data }
        var data = data
        data["creator_notes"] = .string(String(notes.dropFirst(backfillWarning.count)).trimmingCharacters(in: .whitespacesAndNewlines))
        return data
    }

    // MARK: Writing

    /// The card as Character Card V3 JSON: `{ "spec": "chara_card_v3", "spec_version": "3.0", "data": ... }`.
    public func v3JSON() -> Data {
        JSONValue.object(["spec": .string("chara_card_v3"), "spec_version": .string("3.0"), "data": .object(data)]).serialized()
    }

    /// The card as Character Card V2 JSON, for V2 readers: the same data under the V2 labels.
    /// V3-only fields stay in (V2 readers ignore what they do not know).
    public func v2JSON() -> Data {
        JSONValue.object(["spec": .string("chara_card_v2"), "spec_version": .string("2.0"), "data": .object(data)]).serialized()
    }

    // MARK: Known fields

    public var name: String { data["name"]?.stringValue ?? "" }
    public var tags: [String] { data["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    public var characterBook: [String: JSONValue]? { data["character_book"]?.objectValue }
}
