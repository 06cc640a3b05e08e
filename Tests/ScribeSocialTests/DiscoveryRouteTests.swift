import ActivityPubKit
import Foundation
import NIOHTTP1
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeTestSupport
import Testing

/// What a Mastodon server sees when it looks a Scribe user up (`mastodon-interop.md` §1–2).
@Suite("Discovery and actors over HTTP")
struct DiscoveryRouteTests {
    static func get(_ instance: TestInstance, _ path: String, accept: String? = nil) async throws -> LoopbackHTTP.Reply {
        try await LoopbackHTTP.send(
            port: instance.port,
            method: "GET",
            path: path,
            headers: accept.map { [("Accept", $0)] } ?? [],
            body: nil,
            host: "127.0.0.9"
        )
    }

    @Test("WebFinger answers acct: in every form Mastodon sends, with self equal to the actor id; others get 404 or 400")
    func webFinger() async throws {
        try await withTestInstance(host: "127.0.0.9") { instance in
            _ = try await FederationBetweenInstancesTests.register(instance, "alice")
            let actor = "\(instance.publicURL)/users/alice"
            for resource in [
                "acct:alice@\(instance.domain)", "alice@\(instance.domain)",
                "acct%3Aalice%40\(instance.domain.replacingOccurrences(of: ":", with: "%3A"))", "acct:ALICE@\(instance.domain)", actor,
            ] {
                let reply = try await Self.get(instance, "/.well-known/webfinger?resource=\(resource)")
                #expect(reply.status == 200, "\(resource)")
                #expect(reply.headers.first(name: "content-type")?.hasPrefix("application/jrd+json") == true)
                let document = try JSONDecoder().decode(WebFingerDocument.self, from: reply.body)
                #expect(document.subject == "acct:alice@\(instance.domain)" && document.actorID == actor, "\(resource)")
            }
            #expect(try await Self.get(instance, "/.well-known/webfinger?resource=acct:nobody@\(instance.domain)").status == 404)
            #expect(try await Self.get(instance, "/.well-known/webfinger?resource=acct:alice@elsewhere.example").status == 404)
            #expect(try await Self.get(instance, "/.well-known/webfinger").status == 400)
            #expect(try await Self.get(instance, "/.well-known/webfinger?resource=%20").status == 400)
            let instanceActor = try JSONDecoder().decode(
                WebFingerDocument.self,
                from: try await Self.get(instance, "/.well-known/webfinger?resource=acct:\(instance.domain)@\(instance.domain)").body
            )
            #expect(instanceActor.actorID == "\(instance.publicURL)/actor")
        }
    }

    @Test("host-meta points at WebFinger; NodeInfo 2.0 and 2.1 count users and name the software")
    func hostMetaAndNodeInfo() async throws {
        try await withTestInstance(host: "127.0.0.9") { instance in
            _ = try await FederationBetweenInstancesTests.register(instance, "alice")
            let hostMeta = try await Self.get(instance, "/.well-known/host-meta")
            let xrd = String(decoding: hostMeta.body, as: UTF8.self)
            #expect(hostMeta.status == 200 && xrd.contains(#"xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0""#))
            #expect(xrd.contains("\(instance.publicURL)/.well-known/webfinger?resource={uri}"))
            let index = try await Self.get(instance, "/.well-known/nodeinfo").json()
            let links = try #require(index["links"] as? [[String: String]])
            #expect(links.map { $0["href"] } == ["\(instance.publicURL)/nodeinfo/2.0", "\(instance.publicURL)/nodeinfo/2.1"])
            for version in ["2.0", "2.1"] {
                let info = try await Self.get(instance, "/nodeinfo/\(version)").json()
                #expect(info["version"] as? String == version && info["protocols"] as? [String] == ["activitypub"])
                #expect((info["software"] as? [String: Any])?["name"] as? String == "scribe")
                #expect((info["software"] as? [String: Any])?["version"] as? String == ScribeVersion.current)
                #expect(((info["usage"] as? [String: Any])?["users"] as? [String: Any])?["total"] as? Int == 1)
                #expect(info["openRegistrations"] as? Bool == true)
            }
            #expect(try await Self.get(instance, "/nodeinfo/1.0").status == 404)
        }
    }

    @Test("the actor is ActivityPub JSON for ActivityPub clients and a page for browsers; its collections have totalItems and first")
    func actor() async throws {
        try await withTestInstance(host: "127.0.0.9") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let id = "\(instance.publicURL)/users/alice"
            for accept in [ActivityPubMediaType.activityJSON, ActivityPubMediaType.ldJSON] {
                let reply = try await Self.get(instance, "/users/alice", accept: accept)
                #expect(reply.status == 200 && reply.headers.first(name: "content-type")?.hasPrefix("application/activity+json") == true)
                let actor = try ASObject.decode(reply.body)
                #expect(actor.id == id && actor.isA("Person") && actor.context.first?.string == JSONLDContext.activityStreams)
                #expect(actor.inbox == id + "/inbox" && actor.sharedInbox == "\(instance.publicURL)/inbox" && actor.preferredUsername == "alice")
                let key = try #require(actor.publicKey)
                #expect(key.id == id + "#main-key" && key.owner == id)
                #expect(try SignaturePublicKey(pem: key.pem).pem == (try await instance.modules.core.actorPublicKey(of: .user(alice.account.id))))
                #expect(actor["manuallyApprovesFollowers"] == false && actor["published"]?.string != nil)
                #expect(!String(decoding: reply.body, as: UTF8.self).contains("example.org"), "the email leaked")
            }
            let page = try await Self.get(instance, "/users/alice", accept: "text/html")
            #expect(page.status == 200 && page.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
            // /@alice and /users/ALICE redirect (the client follows) to the one canonical actor.
            for path in ["/@alice", "/users/ALICE"] {
                #expect(try ASObject.decode(try await Self.get(instance, path, accept: ActivityPubMediaType.activityJSON).body).id == id, "\(path)")
            }
            #expect(try await Self.get(instance, "/users/nobody", accept: ActivityPubMediaType.activityJSON).status == 404)
            for name in ["followers", "following", "outbox"] {
                let collection = try ASObject.decode(try await Self.get(instance, "/users/alice/\(name)").body)
                #expect(collection.isA("OrderedCollection") && collection.totalItems == 0 && collection["first"]?.string == "\(id)/\(name)?page=1")
            }
            #expect(try await Self.get(instance, "/users/alice/outbox?page=x").status == 400)
            let instanceActor = try ASObject.decode(try await Self.get(instance, "/actor").body)
            #expect(instanceActor.isA("Application") && instanceActor.publicKey?.owner == "\(instance.publicURL)/actor")
        }
    }
}
