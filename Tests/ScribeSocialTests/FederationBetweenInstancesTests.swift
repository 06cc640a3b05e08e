import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeStorage
import ScribeTestSupport
import Testing

/// Two real Scribe servers on loopback, each with its own database, federating over HTTP with
/// real signatures checked on both sides.
@Suite("Two Scribe instances federate")
struct FederationBetweenInstancesTests {
    static func register(_ instance: TestInstance, _ username: String) async throws -> AuthenticatedSession {
        let created = try await instance.modules.core.accounts.register(
            Registration(username: username, email: "\(username)@example.org", password: "correct horse battery")
        )
        return try await instance.modules.core.accounts.authenticate(token: created.session.token.value)
    }

    static func rows(_ instance: TestInstance, _ sql: String) async throws -> [PostgresRow] {
        try await instance.modules.database.owner.query(PostgresQuery(unsafeSQL: sql), logger: TestLogger.make("probe")).collect()
    }

    /// Activities of `type` the instance stored (each stored only after its signature verified).
    static func received(_ instance: TestInstance, _ type: String) async throws -> [ASObject] {
        try await rows(instance, "SELECT document::text FROM social.inbox_activities WHERE type = '\(type)' ORDER BY seq").map {
            try ASObject.decode(Data(try $0.decode(String.self).utf8))
        }
    }

    /// What Mastodon reads of a `Note`'s folding (`app/lib/activitypub/parser/status_parser.rb`):
    /// the content warning is `summary`, and only an explicit `sensitive: true` blurs the media
    /// (a content warning alone does not).
    static func mastodonFolding(_ note: ASObject) -> (contentWarning: String?, mediaBlurred: Bool) {
        (note.summary.flatMap { $0.isEmpty ? nil : $0 }, note["sensitive"] == .bool(true))
    }

    @Test(
        "an item for adults reaches other servers folded: a tagged one is created with a content warning and sensitive media; a rating by hand sends an Update that folds or unfolds it, later than the last"
    )
    func adultItemsFederateFolded() async throws {
        try await withTwoTestInstances { a, b in
            let alice = try await Self.register(a, "alice")
            let bob = try await Self.register(b, "bob")
            let aliceActor = "\(a.publicURL)/users/alice"
            _ = try await b.modules.social.following.follow("@alice@\(a.domain)", as: bob.account.id)
            #expect(
                try await eventually {
                    try await Self.rows(a, "SELECT 1 FROM social.follows WHERE followed = '\(aliceActor)' AND state = 'accepted'").count == 1
                }
            )
            func publish(_ name: String, tags: [String]) async throws -> (id: UUID, note: String) {
                let character = try await a.modules.core.characters.create(
                    CharacterCard(data: ["name": .string(name), "description": .string("Met at night."), "tags": .array(tags.map { .string($0) })]),
                    for: alice
                )
                _ = try await a.modules.core.characters.setVisibility(character.id, to: .public, for: alice)
                return (character.id, "\(a.publicURL)/characters/\(character.id.uuidString.lowercased())")
            }
            @Sendable func arrived(_ type: String, _ noteID: String) async throws -> [ASObject] {
                try await Self.received(b, type).compactMap { $0.object.first?.object }.filter { $0.id == noteID }
            }

            // Tagged NSFW by its creator: folded from the start.
            let tagged = try await publish("Velvet Den", tags: ["NSFW", "romance"])
            #expect(try await eventually { try await !arrived("Create", tagged.note).isEmpty })
            let taggedNote = try #require(try await arrived("Create", tagged.note).first)
            let folded = Self.mastodonFolding(taggedNote)
            #expect(folded.mediaBlurred && folded.contentWarning?.contains("NSFW") == true && folded.contentWarning?.contains("Velvet Den") == true)
            #expect(taggedNote["contentRating"] == "nsfw")

            // Untagged: open, and says so (`sensitive` is always present, as Mastodon sends it).
            let untagged = try await publish("Lantern Keeper", tags: ["horror"])
            #expect(try await eventually { try await !arrived("Create", untagged.note).isEmpty })
            let openNote = try #require(try await arrived("Create", untagged.note).first)
            #expect(Self.mastodonFolding(openNote) == (nil, false) && openNote["sensitive"] == .bool(false))

            // Its creator rates it for adults (the marketplace asks Core, which keeps the rating):
            // an Update folds it, with an `updated` later than the Create's (Mastodon ignores an
            // edit whose `updated` does not move).
            // Times go out to the second, as Mastodon sends them; a rating in the same second as
            // the publication would not move `updated`.
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await a.modules.core.setContentRating(of: .character, id: untagged.id, .nsfw, byModerator: false))
            #expect(try await eventually { try await !arrived("Update", untagged.note).isEmpty })
            let update = try #require(try await arrived("Update", untagged.note).last)
            #expect(Self.mastodonFolding(update).mediaBlurred && Self.mastodonFolding(update).contentWarning?.contains("Lantern Keeper") == true)
            let created = try #require(openNote["updated"]?.string.flatMap(RFC3339Date.date(from:)))
            let edited = try #require(update["updated"]?.string.flatMap(RFC3339Date.date(from:)))
            #expect(edited > created)
            #expect(try await a.modules.core.sharedView(of: .character, id: untagged.id, for: .anonymous).contentRating == .nsfw)

            // Rated safe again: a second Update unfolds it.
            #expect(try await a.modules.core.setContentRating(of: .character, id: untagged.id, .sfw, byModerator: false))
            #expect(try await eventually { try await arrived("Update", untagged.note).count == 2 })
            let reopened = try #require(try await arrived("Update", untagged.note).last)
            #expect(Self.mastodonFolding(reopened) == (nil, false))
        }
    }

    @Test(
        "a follow is accepted across servers; publishing, liking, boosting, commenting, updating, unpublishing and deleting the account arrive signed"
    )
    func followAndPublish() async throws {
        try await withTwoTestInstances { a, b in
            let alice = try await Self.register(a, "alice")
            let bob = try await Self.register(b, "bob")
            let aliceActor = "\(a.publicURL)/users/alice"
            let bobActor = "\(b.publicURL)/users/bob"

            // Bob follows alice by handle: WebFinger, actor fetch, Follow, Accept.
            let followed = try await b.modules.social.following.follow("@alice@\(a.domain)", as: bob.account.id)
            #expect(followed.actor == aliceActor && followed.state == "pending")
            #expect(
                try await eventually {
                    try await Self.rows(
                        b,
                        "SELECT 1 FROM social.follows WHERE follower = '\(bobActor)' AND followed = '\(aliceActor)' AND state = 'accepted'"
                    ).count == 1
                }
            )
            #expect(try await Self.rows(a, "SELECT 1 FROM social.follows WHERE follower = '\(bobActor)' AND state = 'accepted'").count == 1)
            // A's inbox verified B's signature (it fetched bob's key) and B's verified A's Accept.
            #expect(try await Self.received(a, "Follow").first?.actor?.id == bobActor)
            #expect(try await Self.received(b, "Accept").first?.actor?.id == aliceActor)
            let followers = try await a.modules.social.collections.collection(.followers, of: "alice", page: 1)
            #expect(followers.items.map(\.id) == [bobActor] && followers.totalItems == 1)

            // Publishing a character sends a Create of its Note to bob's server.
            let character = try await a.modules.core.characters.create(
                CharacterCard(data: [
                    "name": .string("Marsh Witch"), "description": .string("She walks the violet marsh."),
                    "tags": .array([.string("fantasy"), .string("witch")]),
                ]),
                for: alice
            )
            _ = try await a.modules.core.characters.setVisibility(character.id, to: .public, for: alice)
            let noteID = "\(a.publicURL)/characters/\(character.id.uuidString.lowercased())"
            #expect(try await eventually { try await !Self.received(b, "Create").isEmpty })
            let create = try #require(try await Self.received(b, "Create").first)
            let note = try #require(create.object.first?.object)
            #expect(create.actor?.id == aliceActor && note.id == noteID && note.isA("Note") && create.isPublic)
            #expect(note.content?.contains("Marsh Witch") == true && note.tags.compactMap { $0["name"]?.string }.contains("#fantasy"))
            #expect(note["characterCard"]?.object?["data"]?.object?["name"] == "Marsh Witch")
            #expect(create.cc == ["\(aliceActor)/followers"])

            // The object is served at its id.
            let served = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: "/characters/\(character.id.uuidString.lowercased())",
                headers: [("Accept", "application/activity+json")],
                body: nil,
                host: "127.0.0.2"
            )
            #expect(try served.status == 200 && ASObject.decode(served.body).id == noteID)
            // So is the activity that carried it, and an activity we never sent is 404.
            let activityPath = try #require(create.id.flatMap { URL(string: $0)?.path() })
            #expect(activityPath.hasPrefix("/activities/"))
            let activity = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: activityPath,
                headers: [("Accept", "application/activity+json")],
                body: nil,
                host: "127.0.0.2"
            )
            #expect(try activity.status == 200 && ASObject.decode(activity.body).id == create.id && ASObject.decode(activity.body).isA("Create"))
            let never = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: "/activities/\(UUID().uuidString.lowercased())",
                headers: [("Accept", "application/activity+json")],
                body: nil,
                host: "127.0.0.2"
            )
            #expect(never.status == 404)

            // Bob sees it in his home feed.
            #expect(
                try await eventually { try await b.modules.social.homeFeed(for: bob.account.id, before: nil).contains { $0.object == noteID } }
            )

            // Alice follows bob back, so her server is both the author's and a follower's.
            _ = try await a.modules.social.following.follow("@bob@\(b.domain)", as: alice.account.id)
            #expect(
                try await eventually {
                    try await Self.rows(b, "SELECT 1 FROM social.follows WHERE followed = '\(bobActor)' AND state = 'accepted'").count == 1
                }
            )

            // Bob likes, boosts and comments on it from his server; alice's server records each
            // and tells her.
            try await b.modules.social.actions.like(noteID, as: bob.account.id)
            try await b.modules.social.actions.boost(noteID, as: bob.account.id)
            let comment = try await b.modules.social.actions.comment(on: noteID, text: "Lovely <b>witch</b>!", as: bob.account.id)
            #expect(comment.content == "<p>Lovely &lt;b&gt;witch&lt;/b&gt;!</p>")
            #expect(
                try await eventually {
                    let kinds = try await a.modules.social.notifications.list(for: alice.account.id, before: nil).map(\.kind)
                    return Set(kinds).isSuperset(of: [.follow, .like, .boost, .comment])
                }
            )
            let likes = try await a.modules.social.collections.interactions(.likes, of: noteID, page: 1)
            #expect(likes.items.map(\.id) == [bobActor])
            #expect(try await a.modules.social.collections.interactions(.shares, of: noteID, page: nil).totalItems == 1)
            let replies = try await a.modules.social.collections.interactions(.replies, of: noteID, page: 1)
            #expect(replies.items.map(\.id) == [comment.id])
            #expect(try await Self.rows(a, "SELECT 1 FROM social.notes WHERE id = '\(comment.id)' AND item_id = '\(character.id)'").count == 1)
            // Each reached alice's server once, at its shared inbox, though it is also a follower's
            // server (bob's boost and comment go to his followers too).
            for type in ["Like", "Announce", "Create"] {
                let inboxes = try await Self.rows(
                    b,
                    "SELECT inbox FROM social.deliveries WHERE convert_from(body, 'UTF8')::jsonb ->> 'type' = '\(type)' AND starts_with(inbox, '\(a.publicURL)')"
                ).map { try $0.decode(String.self) }
                #expect(inboxes == ["\(a.publicURL)/inbox"], "\(type): \(inboxes)")
            }

            // Unliking sends Undo; deleting the comment sends Delete.
            try await b.modules.social.actions.unlike(noteID, as: bob.account.id)
            try await b.modules.social.actions.deleteComment(comment.id, as: bob.account.id)
            #expect(
                try await eventually {
                    let likes = try await a.modules.social.collections.interactions(.likes, of: noteID, page: nil).totalItems
                    let replies = try await a.modules.social.collections.interactions(.replies, of: noteID, page: nil).totalItems
                    return likes == 0 && replies == 0
                }
            )

            // Editing sends an Update; unpublishing a Delete with a Tombstone, and the id answers 410.
            _ = try await a.modules.core.characters.replaceCard(
                character.id,
                with: CharacterCard(data: ["name": .string("Marsh Witch"), "description": .string("She guards the violet marsh.")]),
                for: alice
            )
            #expect(try await eventually { try await !Self.received(b, "Update").isEmpty })
            #expect(try await Self.received(b, "Update").first?.object.first?.object?.content?.contains("guards") == true)
            _ = try await a.modules.core.characters.setVisibility(character.id, to: .private, for: alice)
            #expect(try await eventually { try await !Self.received(b, "Delete").isEmpty })
            let delete = try #require(try await Self.received(b, "Delete").first)
            #expect(delete.object.first?.object?.isA("Tombstone") == true && delete.object.first?.id == noteID)
            let gone = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: "/characters/\(character.id.uuidString.lowercased())",
                headers: [("Accept", "application/activity+json")],
                body: nil,
                host: "127.0.0.2"
            )
            #expect(try gone.status == 410 && ASObject.decode(gone.body).isA("Tombstone"))

            // Deleting alice's account sends the Delete of her actor, signed with her retired key;
            // bob's server drops the follow.
            try await a.modules.core.accounts.delete(alice, password: "correct horse battery")
            #expect(try await eventually { try await Self.received(b, "Delete").contains { $0.object.first?.id == aliceActor } })
            #expect(
                try await eventually {
                    try await Self.rows(b, "SELECT 1 FROM social.follows WHERE followed = '\(aliceActor)'").isEmpty
                }
            )
        }
    }
}
