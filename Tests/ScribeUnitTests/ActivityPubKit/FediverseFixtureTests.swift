import ActivityPubKit
import Foundation
import ScribeTestFixtures
import Testing

/// Every ActivityPub document under `Tests/Fixtures/fediverse/` (Mastodon, Pleroma, Friendica,
/// GNU social, Lemmy, lotide, Mobilizon, PeerTube, ...). A new file there is tested with no new code.
@Suite("Real fediverse documents decode")
struct FediverseFixtureTests {
    static let root = Fixtures.fediverse
    static let files = Fixtures.fediverseFiles

    @Test("the fixture corpus is there")
    func corpusPresent() {
        #expect(Self.files.count > 50)
    }

    @Test("each document decodes, keeps every property, and has what its kind needs", arguments: files)
    func decodes(_ file: String) throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent(file))
        let document = try ASObject.decode(data)
        #expect(!document.types.isEmpty, "no type")

        // Nothing lost: re-encoding gives the same JSON.
        let original = try JSONSerialization.jsonObject(with: data) as? NSDictionary
        let again = try JSONSerialization.jsonObject(with: JSONEncoder().encode(document)) as? NSDictionary
        #expect(original == again)

        if document.isActivity {
            #expect(document.actor?.id != nil, "no actor")
            #expect(!document.object.isEmpty, "no object")
        } else if file.contains("/activities/") {
            // A bare object delivered as is (Mastodon's private message Note): it has an author.
            #expect(document.attributedTo?.id != nil, "\(document.types) is neither an activity nor an attributed object")
        } else if file.contains("/collections/") {
            #expect(document.isCollection, "\(document.types) is not a collection type")
        } else {
            #expect(document.id != nil, "no id")
        }
        // Addressing reads every entry, whether one IRI or a list.
        for property in ["to", "cc"] {
            let raw = (document[property] ?? .null).list.compactMap { $0.string ?? $0.object?["id"]?.string }
            #expect(document.addresses(property) == raw)
        }
        if document.isA("Note"), document["content"] != nil { #expect(document.content == document["content"]?.string) }
    }

    @Test("lenient forms: type and @context as arrays, IRIs or embedded objects, contentMap, Link urls")
    func lenientForms() throws {
        let json = #"""
            {"@context":["https://www.w3.org/ns/activitystreams",{"toot":"http://joinmastodon.org/ns#"}],"id":"https://x/1",
             "type":["Note","toot:Thing"],"attributedTo":{"id":"https://x/users/a","type":"Person"},"to":"https://www.w3.org/ns/activitystreams#Public",
             "cc":["https://x/users/a/followers",{"id":"https://x/users/b"}],"contentMap":{"en":"<p>hi</p>"},
             "url":[{"type":"Link","href":"https://x/@a/1","mediaType":"text/html"}],"unknownExtension":{"kept":[1,2.5,null]}}
            """#
        let note = try ASObject.decode(Data(json.utf8))
        #expect(note.types == ["Note", "toot:Thing"] && note.isA("Note") && note.context.count == 2)
        #expect(note.attributedTo?.id == "https://x/users/a")
        #expect(note.to == ["https://www.w3.org/ns/activitystreams#Public"] && note.isPublic)
        #expect(note.cc == ["https://x/users/a/followers", "https://x/users/b"])
        #expect(note.content == "<p>hi</p>" && note.url == "https://x/@a/1")
        #expect(note["unknownExtension"] == .object(["kept": .array([.integer(1), .number(2.5), .null])]))
    }

    @Test(
        "what is not an object is a decoding error, not a crash",
        arguments: ["[]", "\"text\"", "42", "null", "{", "", String(repeating: "[", count: 100_000)]
    )
    func refusesNonObjects(_ text: String) {
        #expect(throws: (any Error).self) { try ASObject.decode(Data(text.utf8)) }
    }
}
