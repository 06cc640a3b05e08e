import ActivityPubKit
import Foundation
import Testing

/// What we put on the wire: documents Mastodon accepts (`mastodon-interop.md` §2).
@Suite("Documents encode as Mastodon reads them")
struct DocumentEncodingTests {
    static let actorID = "https://scribe.example/users/alice"

    static func wire(_ document: ASObject) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: document.encoded()) as? [String: Any])
    }

    @Test("@context starts with the ActivityStreams IRI, then security, then the inline terms")
    func context() throws {
        let json = try Self.wire(
            ASObject.activity("Follow", id: "https://scribe.example/f/1", actor: Self.actorID, object: "https://remote.example/users/bob").document(
                in: .mastodon
            )
        )
        let context = try #require(json["@context"] as? [Any])
        #expect(context.count == 3)
        #expect(context[0] as? String == "https://www.w3.org/ns/activitystreams")
        #expect(context[1] as? String == "https://w3id.org/security/v1")
        let terms = try #require(context[2] as? [String: Any])
        #expect(terms["manuallyApprovesFollowers"] as? String == "as:manuallyApprovesFollowers")
        #expect(terms["schema"] as? String == "http://schema.org#")

        // Our own reader sees what Mastodon's `supported_context?` sees.
        let decoded = try ASObject.decode(ASObject.activity("Like", id: "x", actor: "y", object: "z").document(in: .mastodon).encoded())
        #expect(decoded.context.first?.string == JSONLDContext.activityStreams)
    }

    @Test("the wire form is stable bytes: sorted keys, @context first, unescaped slashes, no nulls")
    func stableBytes() throws {
        let tombstone = ASObject.tombstone(id: "https://scribe.example/characters/9", formerType: "Note", deleted: nil).document(in: .mastodon)
        let text = String(decoding: try tombstone.encoded(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"@context":["https://www.w3.org/ns/activitystreams""#))
        #expect(!text.contains(#"\/"#))
        #expect(!text.contains("deleted") && !text.contains("null"))
        #expect(try tombstone.encoded() == tombstone.encoded())
    }

    @Test("an actor built from the pieces has what Mastodon requires of a remote actor")
    func actor() throws {
        let key = try SignaturePrivateKey.generateRSA()
        var person: ASObject = [
            "id": .string(Self.actorID), "type": "Person", "preferredUsername": "alice", "inbox": .string(Self.actorID + "/inbox"),
            "outbox": .string(Self.actorID + "/outbox"), "followers": .string(Self.actorID + "/followers"),
            "manuallyApprovesFollowers": false, "discoverable": true,
            "endpoints": ["sharedInbox": "https://scribe.example/inbox"],
        ]
        person["publicKey"] = ASObject.publicKey(actor: Self.actorID, pem: key.publicKey.pem).embedded
        person["icon"] = ASObject.image(url: "https://scribe.example/avatars/alice.png", mediaType: "image/png").embedded

        let decoded = try ASObject.decode(person.document(in: .mastodon).encoded())
        #expect(decoded.isActor && decoded.id == Self.actorID && decoded.inbox != nil && decoded.preferredUsername == "alice")
        #expect(decoded.sharedInbox == "https://scribe.example/inbox")
        let publicKey = try #require(decoded.publicKey)
        #expect(publicKey.id == Self.actorID + "#main-key" && publicKey.owner == Self.actorID)
        #expect(try SignaturePublicKey(pem: publicKey.pem).pem == key.publicKey.pem)
        #expect(decoded.references("icon").first?.object?.isA("Image") == true)
        #expect(decoded.references("icon").first?.object?["mediaType"] == "image/png")
    }

    @Test("collections name their size and first page; pages link onwards and back")
    func collections() throws {
        let followers = try ASObject.decode(
            ASObject.orderedCollection(id: "https://s.example/users/a/followers", totalItems: 3, first: "https://s.example/users/a/followers?page=1")
                .encoded()
        )
        #expect(followers.totalItems == 3 && followers["first"]?.string != nil && followers.isCollection)
        let page = ASObject.orderedCollectionPage(
            id: "https://s.example/users/a/followers?page=1",
            partOf: "https://s.example/users/a/followers",
            items: ["https://r.example/users/b"],
            next: nil
        )
        let decoded = try ASObject.decode(page.encoded())
        #expect(decoded.items.map(\.id) == ["https://r.example/users/b"] && decoded["next"] == nil && decoded["partOf"] != nil)
    }

    @Test("tags and activities carry what Mastodon reads")
    func tags() throws {
        #expect(ASObject.hashtag(name: "fantasy", href: "https://s.example/tags/fantasy")["name"] == "#fantasy")
        let published = Date(timeIntervalSince1970: 1_700_000_000)
        let create = ASObject.activity(
            "Create",
            id: "https://s.example/a/1",
            actor: Self.actorID,
            object: ["type": "Note", "content": "<p>Hi</p>"],
            to: ["https://www.w3.org/ns/activitystreams#Public"],
            cc: [Self.actorID + "/followers"],
            published: published
        )
        let decoded = try ASObject.decode(create.encoded())
        #expect(decoded.isPublic && decoded.cc == [Self.actorID + "/followers"] && decoded.published == published)
        #expect(decoded.object.first?.object?.content == "<p>Hi</p>")
    }
}
