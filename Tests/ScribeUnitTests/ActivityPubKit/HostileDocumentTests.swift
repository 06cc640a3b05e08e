import ActivityPubKit
import Foundation
import Testing

/// Garbage in, a typed error out: never a crash, never unbounded work.
@Suite("Hostile documents are typed errors")
struct HostileDocumentTests {
    static let hostile: [(String, Data)] = [
        ("empty", Data()),
        ("garbage", Data("\u{00}\u{FF}not json at all".utf8)),
        ("truncated", Data(#"{"type":"Create","actor":"https://a.example/u","object":{"type":"Note","content":"<p>hi"#.utf8)),
        ("an array, not an object", Data(#"[{"type":"Note"}]"#.utf8)),
        ("a string, not an object", Data(#""https://a.example/notes/1""#.utf8)),
        ("100,000 nested arrays", Data(String(repeating: "[", count: 100_000).utf8)),
        ("100,000 nested objects", Data((String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)).utf8)),
        (
            "nested arrays inside an object",
            Data((#"{"type":"Note","tag":"# + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "}").utf8)
        ),
    ]

    @Test("each is a parse error naming where it went wrong", arguments: hostile.map(\.0))
    func typedError(_ name: String) {
        let data = Self.hostile.first { $0.0 == name }!.1
        #expect(throws: JSONLDValue.ParseError.self) { try ASObject.decode(data) }
    }

    @Test("a 10 MB document decodes (the inbox and the client refuse one earlier, at 1 MB)")
    func large() throws {
        let content = String(repeating: "a", count: 10 << 20)
        let data = Data(#"{"type":"Note","content":"\#(content)"}"#.utf8)
        #expect(try ASObject.decode(data).content?.utf8.count == 10 << 20)
    }
}
