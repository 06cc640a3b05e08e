import ActivityPubKit
import Foundation
import Testing

@Suite("Documents are parsed as JSON, strictly")
struct JSONLDParserTests {
    static func parse(_ text: String) throws -> JSONLDValue { try JSONLDValue.parse(Data(text.utf8)) }

    @Test("values of every kind, escapes and surrogate pairs read as JSONDecoder reads them")
    func values() throws {
        let text = #"{"a":[1,-2.5,1e3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"],"b":{},"c":[],"d":"plain é 😀"}"#
        let ours = try Self.parse(text)
        #expect(
            ours
                == .object([
                    "a": .array([.integer(1), .number(-2.5), .number(1000), .bool(true), .bool(false), .null, .string("x\"\\/\u{08}\u{0C}\n\r\té😀")]),
                    "b": .object([:]), "c": .array([]), "d": .string("plain é 😀"),
                ])
        )
        #expect(try JSONDecoder().decode(JSONLDValue.self, from: Data(text.utf8)).object?["d"] == ours.object?["d"])
    }

    @Test("a name given twice: the last counts, as in PostgreSQL's jsonb; or it is refused when asked")
    func duplicateNames() throws {
        #expect(try Self.parse(#"{"type":"Like","type":"Delete"}"#).object?["type"] == .string("Delete"))
        #expect(throws: JSONLDValue.ParseError.self) {
            try JSONLDValue.parse(Data(#"{"type":"Like","type":"Delete"}"#.utf8), rejectingDuplicateNames: true)
        }
    }

    @Test(
        "what RFC 8259 does not allow is refused",
        arguments: [
            "", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"\\x\"", "\"\\u12\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"a\nb\"", "[1] 2", "{\"a\":1}}", "1e400", "NaN", "// no\n1",
        ]
    )
    func refused(text: String) {
        #expect(throws: JSONLDValue.ParseError.self) { try Self.parse(text) }
    }

    @Test("bytes that are not UTF-8 are refused inside strings")
    func notUTF8() {
        #expect(throws: JSONLDValue.ParseError.self) { try JSONLDValue.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }
}
