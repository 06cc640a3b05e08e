import ActivityPubKit
import Foundation
import ScribeSocial
import ScribeTestFixtures
import Testing

@Suite("Scribe's ActivityPub vocabulary")
struct ScribeVocabularyTests {
    static let schemaFile = URL(fileURLWithPath: TestPaths.schemasDirectory + "/jsonld/scribe.jsonld")

    @Test("the terms in code are exactly the published context document in schemas/")
    func matchesSchema() throws {
        let published = try JSONLDContext.terms(ofContextDocument: Data(contentsOf: Self.schemaFile))
        #expect(published == ScribeVocabulary.terms)
    }

    @Test("every Scribe term expands into the Scribe namespace or a standard one")
    func termsExpand() {
        for (term, definition) in ScribeVocabulary.terms where !["scribe", "xsd"].contains(term) {
            let iri = definition.string ?? definition.object?["@id"]?.string
            #expect(iri?.hasPrefix("scribe:") == true, "\(term) is not in the Scribe namespace")
        }
    }

    @Test("a document in Scribe's context keeps the ActivityStreams IRI first and defines the terms it uses")
    func documentContext() throws {
        let note: ASObject = [
            "id": "https://scribe.example/characters/1", "type": "Note", "characterCard": ["spec": "chara_card_v3"], "sensitive": false,
        ]
        let json = try JSONSerialization.jsonObject(with: note.document(in: ScribeVocabulary.context).encoded()) as? [String: Any]
        let context = try #require(json?["@context"] as? [Any])
        #expect(context.first as? String == JSONLDContext.activityStreams)
        let terms = try #require(context.last as? [String: Any])
        #expect(terms["characterCard"] != nil && terms["sensitive"] != nil && terms["toot"] as? String == "http://joinmastodon.org/ns#")
    }
}
