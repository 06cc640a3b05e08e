import Foundation
import ScribeContracts
import ScribeTestFixtures
import Testing

@testable import ScribeCore

@Suite("Character cards: JSON and PNG")
struct CharacterCardTests {
    @Test("Seraphina reads from her PNG with every field, her lorebook and her extensions")
    func readsSeraphina() throws {
        let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: Fixtures.seraphinaPNG))
        #expect(card.name == "Seraphina")
        #expect(card.sourceSpec == "chara_card_v2")
        #expect(card.characterBook?["entries"]?.arrayValue?.count == 4)
        #expect(card.data["extensions"]?.objectValue?["world"] == .string("Eldoria"))
        let original = try Fixtures.cardData(try Fixtures.seraphinaCardJSON())
        let ours = try Fixtures.cardData(card.v3JSON())
        for case let key as String in original.allKeys {
            #expect((ours[key] as? NSObject) == (original[key] as? NSObject), "field \(key)")
        }
        #expect(ours["group_only_greetings"] as? [Any] != nil)
    }

    @Test("exporting to PNG keeps the image, writes ccv3 and chara, and reads back equal")
    func pngRoundTrip() throws {
        let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: Fixtures.seraphinaPNG))
        let exported = try PNGCard.embedding(card, in: Fixtures.seraphinaPNG)
        let chunks = try PNGCard.chunks(of: exported)
        let keywords = chunks.filter { $0.type == "tEXt" }.map { String(decoding: $0.body.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(keywords.sorted() == ["ccv3", "chara"])
        #expect(
            chunks.filter { $0.type == "IDAT" }.map(\.body)
                == (try PNGCard.chunks(of: Fixtures.seraphinaPNG)).filter { $0.type == "IDAT" }.map(\.body)
        )
        let reread = try CharacterCard.read(json: try PNGCard.cardJSON(in: exported))
        #expect(reread.data == card.data)
        #expect(reread.sourceSpec == "chara_card_v3")
        // Exporting the export changes nothing: card chunks are replaced, not added.
        #expect(try PNGCard.embedding(reread, in: exported) == exported)
    }

    @Test("every chunk written carries a correct CRC")
    func crcs() throws {
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)  // the standard check value
        let card = CharacterCard(data: ["name": .string("Crc")])
        let exported = [UInt8](try PNGCard.embedding(card, in: Fixtures.seraphinaPNG))
        var offset = 8
        while offset + 12 <= exported.count {
            let length = Int(exported[offset]) << 24 | Int(exported[offset + 1]) << 16 | Int(exported[offset + 2]) << 8 | Int(exported[offset + 3])
            let stored = exported[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(CRC32.checksum(Data(exported[(offset + 4)..<(offset + 8 + length)])) == stored)
            offset += 12 + length
        }
        #expect(offset == exported.count)
    }

    @Test("V3 JSON export reads back equal, and ccv3 wins over chara")
    func v3JSONRoundTrip() throws {
        let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: Fixtures.seraphinaPNG))
        #expect(try CharacterCard.read(json: card.v3JSON()).data == card.data)
        var renamed = card
        renamed.data["name"] = .string("Only in ccv3")
        let png = try PNGCard.embedding(renamed, in: Fixtures.seraphinaPNG)
        #expect(try CharacterCard.read(json: try PNGCard.cardJSON(in: png)).name == "Only in ccv3")
    }

    @Test("unknown fields and extensions survive, integers stay integers")
    func preservesUnknownFields() throws {
        let json = Data(
            #"{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"N","x_custom":{"a":[1,2.5,"s",null,true]},"extensions":{"agnai/voice":{"id":7}},"creation_date":1700000000}}"#
                .utf8
        )
        let card = try CharacterCard.read(json: json)
        let again = try CharacterCard.read(json: card.v3JSON())
        #expect(again.data["x_custom"] == .object(["a": .array([.integer(1), .number(2.5), .string("s"), .null, .bool(true)])]))
        #expect(again.data["extensions"] == .object(["agnai/voice": .object(["id": .integer(7)])]))
        #expect(again.data["creation_date"] == .integer(1_700_000_000))
        #expect(String(decoding: card.v3JSON(), as: UTF8.self).contains("\"creation_date\":1700000000"))
    }

    @Test("V1 and Pygmalion cards are read into V3 fields; the V2 backfill warning is trimmed")
    func olderShapes() throws {
        let v1 = try CharacterCard.read(json: Data(#"{"name":"Old","description":"d","first_mes":"hi","unrelated":1}"#.utf8))
        #expect(v1.name == "Old" && v1.data["first_mes"] == .string("hi") && v1.data["unrelated"] == nil)
        #expect(v1.data["group_only_greetings"] == .array([]))
        let pygmalion = try CharacterCard.read(
            json: Data(#"{"char_name":"Py","char_persona":"p","char_greeting":"g","world_scenario":"w","example_dialogue":"e"}"#.utf8)
        )
        #expect(pygmalion.data["description"] == .string("p") && pygmalion.data["first_mes"] == .string("g"))
        #expect(pygmalion.data["scenario"] == .string("w") && pygmalion.data["mes_example"] == .string("e"))
        let warned = try CharacterCard.read(
            json: Data(
                (#"{"spec":"chara_card_v2","data":{"name":"W","creator_notes":""# + CharacterCard.backfillWarning + #"\n\nReal notes"}}"#).utf8
            )
        )
        #expect(warned.data["creator_notes"] == .string("Real notes"))
    }

    @Test(
        "what is not a card is refused with a clear error",
        arguments: [
            "not json", "[]", "{}", #"{"spec":"chara_card_v9","data":{}}"#, #"{"spec":"chara_card_v2"}"#, #"{"spec":"chara_card_v3","data":[]}"#,
        ]
    )
    func refusesNonCards(text: String) {
        #expect(throws: CoreError.self) { try CharacterCard.read(json: Data(text.utf8)) }
    }

    @Test("hostile and damaged PNGs are refused without crashing")
    func hostilePNGs() throws {
        let png = try Fixtures.seraphinaPNG
        var cases: [Data] = [Data(), Data("GIF89a".utf8), Data(png.prefix(8)), Data(png.prefix(20))]
        // Cut anywhere: before the card chunk, inside it, before IEND.
        for cut in stride(from: 33, to: png.count, by: png.count / 50) { cases.append(Data(png.prefix(cut))) }
        // A chunk claiming to be 4 GiB long.
        var huge = png
        huge.replaceSubrange(33..<37, with: [0xFF, 0xFF, 0xFF, 0xF0])
        cases.append(huge)
        // A PNG without any card: the fixture with its tEXt chunk renamed.
        var renamed = png
        if let range = renamed.range(of: Data("tEXtchara".utf8)) { renamed.replaceSubrange(range, with: Data("tEXtother".utf8)) }
        cases.append(renamed)
        // A card chunk that is not base64 JSON.
        cases.append(try PNGCard.embedding(CharacterCard(data: [:]), in: png).replacingBase64WithGarbage())
        for damaged in cases {
            do {
                _ = try CharacterCard.read(json: try PNGCard.cardJSON(in: damaged))
                Issue.record("accepted a damaged PNG of \(damaged.count) bytes")
            } catch {
                #expect(error.code == .invalidInput)
            }
        }
    }
}

extension Data {
    /// Replaces the first ccv3 and chara payloads' opening characters with non-base64 bytes.
    fileprivate func replacingBase64WithGarbage() -> Data {
        var copy = self
        for keyword in ["ccv3", "chara"] {
            if let range = copy.range(of: Data((keyword + "\0").utf8)) {
                copy.replaceSubrange(range.upperBound..<(range.upperBound + 8), with: Data("!!!!!!!!".utf8))
            }
        }
        return copy
    }
}
