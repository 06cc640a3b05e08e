import Foundation
import ScribeContracts

/// A lorebook (world info) in its canonical form: the Character Card V3 `Lorebook` object, the
/// same shape a card embeds as `character_book`. It reads and writes the formats people bring:
///
/// - `{ "spec": "lorebook_v3", "data": { ... } }`, the V3 standalone export;
/// - a bare V2/V3 character book (`{ "entries": [ ... ] }`);
/// - SillyTavern World Info (`{ "entries": { "0": { "uid": 0, "key": [...], ... } } }`).
///
/// World Info fields with a V3 counterpart map to it (`key` ↔ `keys`, `order` ↔
/// `insertion_order`, `disable` ↔ `!enabled`, ...). The other World Info fields SillyTavern knows
/// travel in the entry's `extensions` under the names SillyTavern itself uses when it converts
/// (`exclude_recursion`, `display_index`, `selectiveLogic`, ...). Fields either side has no place
/// for are carried in a namespaced extension (`scribe/world_info`, `scribe/lorebook_v3`) and
/// restored on the way back, so a round trip in either direction gives back what came in.
public struct Lorebook: Sendable, Equatable {
    public var data: [String: JSONValue]

    public init(data: [String: JSONValue]) {
        var data = data
        if data["extensions"] == nil { data["extensions"] = .object([:]) }
        if data["entries"] == nil { data["entries"] = .array([]) }
        self.data = data
    }

    public var name: String? { data["name"]?.stringValue }
    public var entries: [[String: JSONValue]] { data["entries"]?.arrayValue?.compactMap(\.objectValue) ?? [] }

    // MARK: Reading

    /// Reads any of the three formats. `name` names a World Info file's book (World Info keeps
    /// its name in the file name, not inside).
    public static func read(json: Data, name: String? = nil) throws(CoreError) -> Lorebook {
        guard case .object(let root) = JSONValue.parse(json) else { throw CoreError.invalid("lorebook", "The lorebook is not a JSON object.") }
        if let spec = root["spec"]?.stringValue {
            guard spec == "lorebook_v3", let data = root["data"]?.objectValue else {
                throw CoreError.invalid("lorebook", "The lorebook's spec \"\(spec)\" is not lorebook_v3, or it has no data object.")
            }
            return try checked(Lorebook(data: data))
        }
        switch root["entries"] {
        case .array:
            return try checked(Lorebook(data: root))
        case .object(let entries):
            var book = Lorebook(data: name.map { ["name": .string($0)] } ?? [:])
            let ordered = try entries.map { key, value throws(CoreError) -> (Int64, [String: JSONValue]) in
                guard let entry = value.objectValue else { throw CoreError.invalid("lorebook", "World Info entry \(key) is not an object.") }
                return (entry["uid"]?.integerValue ?? Int64(key) ?? 0, entry)
            }.sorted { $0.0 < $1.0 }
            book.data["entries"] = .array(ordered.map { .object(WorldInfoEntry.toV3($0.1)) })
            return book
        default:
            throw CoreError.invalid("lorebook", "This JSON is not a lorebook (no spec and no entries).")
        }
    }

    private static func checked(_ book: Lorebook) throws(CoreError) -> Lorebook {
        guard book.data["entries"]?.arrayValue?.allSatisfy({ $0.objectValue != nil }) == true else {
            throw CoreError.invalid("lorebook", "Every lorebook entry must be an object.")
        }
        return book
    }

    // MARK: Writing

    /// `{ "spec": "lorebook_v3", "data": ... }`.
    public func v3JSON() -> Data {
        JSONValue.object(["spec": .string("lorebook_v3"), "data": .object(data)]).serialized()
    }

    /// SillyTavern World Info: entries keyed by uid.
    public func worldInfoJSON() -> Data {
        var entries: [String: JSONValue] = [:]
        for (index, entry) in self.entries.enumerated() {
            var converted = WorldInfoEntry.fromV3(entry)
            let uid = converted["uid"]?.integerValue ?? Int64(index)
            converted["uid"] = .integer(uid)
            entries[String(uid)] = .object(converted)
        }
        return JSONValue.object(["entries": .object(entries)]).serialized()
    }
}

/// The mapping between one World Info entry and one V3 lorebook entry.
enum WorldInfoEntry {
    /// World Info fields that SillyTavern keeps in a V3 entry's `extensions`, and their names there.
    static let extensionNames: [String: String] = [
        "position": "position", "excludeRecursion": "exclude_recursion", "preventRecursion": "prevent_recursion",
        "delayUntilRecursion": "delay_until_recursion", "displayIndex": "display_index", "probability": "probability",
        "useProbability": "useProbability", "depth": "depth", "selectiveLogic": "selectiveLogic", "group": "group",
        "groupOverride": "group_override", "groupWeight": "group_weight", "scanDepth": "scan_depth", "caseSensitive": "case_sensitive",
        "matchWholeWords": "match_whole_words", "useGroupScoring": "use_group_scoring", "automationId": "automation_id", "role": "role",
        "vectorized": "vectorized", "sticky": "sticky", "cooldown": "cooldown", "delay": "delay", "ignoreBudget": "ignore_budget",
        "triggers": "triggers", "matchPersonaDescription": "match_persona_description",
        "matchCharacterDescription": "match_character_description", "matchCharacterPersonality": "match_character_personality",
        "matchCharacterDepthPrompt": "match_character_depth_prompt", "matchScenario": "match_scenario",
        "matchCreatorNotes": "match_creator_notes", "outletName": "outlet_name", "characterFilter": "character_filter", "addMemo": "add_memo",
    ]

    /// The World Info fields with a V3 field of their own.
    static let directFields: Set<String> = [
        "uid", "key", "keysecondary", "comment", "content", "constant", "selective", "order", "disable", "extensions",
    ]
    /// The V3 entry fields with a World Info field of their own.
    static let directV3Fields: Set<String> = [
        "id", "keys", "secondary_keys", "comment", "content", "constant", "selective", "insertion_order", "enabled", "position", "extensions",
    ]
    /// Where World Info fields unknown to this mapping wait inside a V3 entry's extensions.
    static let worldInfoStash = "scribe/world_info"
    /// Where V3 fields World Info has no place for wait inside a World Info entry's extensions.
    static let v3Stash = "scribe/lorebook_v3"

    static func toV3(_ entry: [String: JSONValue]) -> [String: JSONValue] {
        var extensions = entry["extensions"]?.objectValue ?? [:]
        let keptV3Fields = extensions.removeValue(forKey: v3Stash)?.objectValue ?? [:]
        var v3: [String: JSONValue] = [
            "keys": entry["key"] ?? .array([]),
            "secondary_keys": entry["keysecondary"] ?? .array([]),
            "content": entry["content"] ?? .string(""),
            "comment": entry["comment"] ?? .string(""),
            "constant": entry["constant"] ?? .bool(false),
            "selective": entry["selective"] ?? .bool(false),
            "insertion_order": entry["order"] ?? .integer(100),
            "enabled": .bool(!(entry["disable"] == .bool(true))),
            // World Info's default position is 0, "before the character".
            "position": .string((entry["position"]?.integerValue ?? 0) == 0 ? "before_char" : "after_char"),
            // SillyTavern matches `/pattern/` keys as regular expressions, as V3's use_regex does.
            "use_regex": .bool(true),
        ]
        if let uid = entry["uid"] { v3["id"] = uid }
        var unknown: [String: JSONValue] = [:]
        for (field, value) in entry where !directFields.contains(field) {
            if let name = extensionNames[field] { extensions[name] = value } else { unknown[field] = value }
        }
        if !unknown.isEmpty { extensions[worldInfoStash] = .object(unknown) }
        v3["extensions"] = .object(extensions)
        return v3.merging(keptV3Fields) { _, kept in kept }
    }

    static func fromV3(_ entry: [String: JSONValue]) -> [String: JSONValue] {
        var extensions = entry["extensions"]?.objectValue ?? [:]
        let keptWorldInfoFields = extensions.removeValue(forKey: worldInfoStash)?.objectValue ?? [:]
        var worldInfo: [String: JSONValue] = [
            "key": entry["keys"] ?? .array([]),
            "keysecondary": entry["secondary_keys"] ?? .array([]),
            "comment": entry["comment"] ?? .string(""),
            "content": entry["content"] ?? .string(""),
            "constant": entry["constant"] ?? .bool(false),
            "selective": entry["selective"] ?? .bool(false),
            "order": entry["insertion_order"] ?? .integer(100),
            "disable": .bool(entry["enabled"] == .bool(false)),
            "position": .integer(entry["position"] == .string("before_char") ? 0 : 1),
        ]
        if let id = entry["id"]?.integerValue { worldInfo["uid"] = .integer(id) }
        for (field, name) in extensionNames {
            if let value = extensions.removeValue(forKey: name) { worldInfo[field] = value }
        }
        let unplaced = entry.filter { field, value in
            (!directV3Fields.contains(field) && !(field == "use_regex" && value == .bool(true))) || (field == "id" && value.integerValue == nil)
        }
        if !unplaced.isEmpty { extensions[v3Stash] = .object(unplaced) }
        if !extensions.isEmpty { worldInfo["extensions"] = .object(extensions) }
        return worldInfo.merging(keptWorldInfoFields) { _, kept in kept }
    }
}
