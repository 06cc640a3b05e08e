import Foundation
import ScribeContracts
import ScribeTestSupport
import Testing
import ZIPFoundation

@testable import ScribeCore

@Suite("CHARX cards")
struct CHARXCardTests {
    /// A zip holding the given files, deflated.
    static func zip(_ files: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, bytes) in files {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    @Test("a card written as CHARX reads back with every field and its avatar as the main icon")
    func roundTrip() throws {
        let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: CharactersTests.seraphinaPNG))
        let avatar = try PNGCard.removingCard(from: CharactersTests.seraphinaPNG)
        let charx = try CHARXCard.write(card, avatar: avatar)
        #expect(CHARXCard.isCHARX(charx))
        let (read, image) = try CHARXCard.read(charx)
        #expect(image == avatar)
        for (field, value) in card.data { #expect(read.data[field] == value, "field \(field)") }
        let icon = read.data["assets"]?.arrayValue?.first?.objectValue
        #expect(icon?["uri"] == .string("embeded://assets/icon/images/main.png") && icon?["name"] == .string("main"))
    }

    @Test("a library character imports from CHARX and exports to CHARX")
    func libraryRoundTrip() async throws {
        try await withTestModules { application in
            let session = try await CharactersTests.session(application, "alice")
            let fromPNG = try await application.core.characters.importFile(CharactersTests.seraphinaPNG, for: session)
            let charx = try await application.core.characters.export(fromPNG.id, as: .charx, for: session)
            #expect(charx.contentType == "application/zip" && charx.fileName == "Seraphina.charx")
            let fromCHARX = try await application.core.characters.importFile(charx.bytes, for: session)
            #expect(fromCHARX.avatarContentType == "image/png")
            try CharactersTests.expectEveryOriginalField(in: try await application.core.characters.get(fromCHARX.id, for: session).card)
        }
    }

    @Test("hostile or broken archives are refused: no card.json, a bomb, truncation, garbage")
    func hostileArchives() throws {
        let cardJSON = Data(#"{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"Z"}}"#.utf8)
        let valid = try Self.zip([("card.json", cardJSON)])
        let bomb = try Self.zip([("card.json", Data(repeating: 0x20, count: 6 * 1_048_576))])
        #expect(bomb.count < 100_000)  // tiny on disk, 6 MiB inflated
        let cases: [Data] = [
            try Self.zip([("other.json", cardJSON)]),
            bomb,
            Data(valid.prefix(valid.count / 2)),
            Data([0x50, 0x4B, 0x03, 0x04]) + Data(repeating: 0xFF, count: 200),
            try Self.zip([("card.json", Data("not json".utf8))]),
        ]
        for archive in cases {
            do {
                _ = try CHARXCard.read(archive)
                Issue.record("read a broken archive of \(archive.count) bytes")
            } catch {
                #expect(error.code == .invalidInput)
            }
        }
        #expect(try CHARXCard.read(valid).card.name == "Z")
    }
}
