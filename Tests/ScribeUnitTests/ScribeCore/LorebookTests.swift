import Foundation
import ScribeContracts
import ScribeTestFixtures
import Testing

@testable import ScribeCore

@Suite("Lorebooks: World Info, lorebook_v3 and character books")
struct LorebookTests {
    @Test("Eldoria's World Info exports back with every field of every entry as it came")
    func worldInfoRoundTrip() throws {
        let book = try Lorebook.read(json: Fixtures.eldoriaWorldInfo, name: "Eldoria")
        #expect(book.name == "Eldoria")
        #expect(book.entries.count == 4)
        let original = try Fixtures.worldInfoEntries(Fixtures.eldoriaWorldInfo)
        let exported = try Fixtures.worldInfoEntries(book.worldInfoJSON())
        #expect(Set(exported.keys) == Set(original.keys))
        for (uid, entry) in original {
            for case let field as String in entry.allKeys {
                #expect((exported[uid]?[field] as? NSObject) == (entry[field] as? NSObject), "entry \(uid) field \(field)")
            }
        }
    }

    @Test("World Info entries become V3 entries SillyTavern's way, and lorebook_v3 JSON reads back equal")
    func worldInfoToV3() throws {
        let book = try Lorebook.read(json: Fixtures.eldoriaWorldInfo, name: "Eldoria")
        let original = try Fixtures.worldInfoEntries(Fixtures.eldoriaWorldInfo)
        for entry in book.entries {
            let uid = try #require(entry["id"]?.integerValue)
            let source = try #require(original[String(uid)])
            #expect(entry["keys"]?.arrayValue?.compactMap(\.stringValue) == source["key"] as? [String])
            #expect(entry["content"]?.stringValue == source["content"] as? String)
            #expect(entry["enabled"] == .bool(!((source["disable"] as? Bool) ?? false)))
            #expect(entry["insertion_order"]?.integerValue == (source["order"] as? NSNumber)?.int64Value)
        }
        #expect(try Lorebook.read(json: book.v3JSON()) == book)
    }

    @Test("a card's character book survives V3 → World Info → V3 with every field")
    func characterBookRoundTrip() throws {
        let png = try Fixtures.data("cards/seraphina.png")
        let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: png))
        var book = Lorebook(data: try #require(card.characterBook))
        // A V3-only field and a string id must come back too.
        var first = book.entries[0]
        first["priority"] = .integer(7)
        first["use_regex"] = .bool(false)
        book.data["entries"] = .array([.object(first)] + book.entries.dropFirst().map { .object($0) })
        let again = try Lorebook.read(json: book.worldInfoJSON(), name: book.name)
        #expect(again.entries.count == book.entries.count)
        for (before, after) in zip(book.entries, again.entries) {
            for (field, value) in before { #expect(after[field] == value, "field \(field)") }
        }
    }

    @Test(
        "what is not a lorebook is refused",
        arguments: [
            "nope", "[]", "{}", #"{"spec":"lorebook_v2","data":{}}"#, #"{"entries":[1,2]}"#, #"{"entries":{"0":"text"}}"#, #"{"entries":5}"#,
        ]
    )
    func refusesNonLorebooks(text: String) {
        #expect(throws: CoreError.self) { try Lorebook.read(json: Data(text.utf8)) }
    }
}
