import ActivityPubKit
import Foundation
import ScribeTestFixtures
import Testing

@Suite("Discovery documents: WebFinger, host-meta, NodeInfo")
struct DiscoveryDocumentTests {
    @Test(
        "WebFinger resources parse in the forms Mastodon accepts",
        arguments: [
            ("acct:alice@scribe.example", WebFingerResource.account(username: "alice", domain: "scribe.example")),
            ("acct%3Aalice%40Scribe.Example", .account(username: "alice", domain: "scribe.example")),
            ("alice@scribe.example", .account(username: "alice", domain: "scribe.example")),
            ("@alice@scribe.example", .account(username: "alice", domain: "scribe.example")),
            ("https://scribe.example/users/alice", .url(URL(string: "https://scribe.example/users/alice")!)),
            ("scribe.example", .domain("scribe.example")),
        ]
    )
    func parses(resource: String, expected: WebFingerResource) {
        #expect(WebFingerResource(resource) == expected)
    }

    @Test(
        "nonsense resources are refused",
        arguments: ["", "acct:", "acct:@x", "alice@", "@", "a b@c", "acct:a@b@c", "alice", String(repeating: "a", count: 2000) + "@x"]
    )
    func refuses(resource: String) {
        #expect(WebFingerResource(resource) == nil)
    }

    @Test("an account's JRD has Mastodon's shape, and its self link names the actor")
    func accountDocument() throws {
        let document = WebFingerDocument.account(
            username: "alice",
            domain: "scribe.example",
            actorID: "https://scribe.example/users/alice",
            profileURL: "https://scribe.example/@alice",
            interactionTemplate: "https://scribe.example/authorize_interaction?uri={uri}"
        )
        #expect(document.subject == "acct:alice@scribe.example")
        #expect(document.actorID == "https://scribe.example/users/alice")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(document)) as? [String: Any]
        let links = json?["links"] as? [[String: Any]]
        #expect(links?.contains { $0["rel"] as? String == "self" && $0["type"] as? String == "application/activity+json" } == true)
        #expect(links?.contains { $0["rel"] as? String == "http://ostatus.org/schema/1.0/subscribe" && $0["template"] != nil } == true)
        let ldSelf = WebFingerDocument(
            subject: "acct:b@x",
            links: [.init(rel: "self", type: "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", href: "https://x/b")]
        )
        #expect(ldSelf.actorID == "https://x/b")
        #expect(WebFingerDocument(subject: "acct:b@x", links: [.init(rel: "self", type: "text/html", href: "https://x/b")]).actorID == nil)
    }

    @Test("host-meta declares the XRD namespace and points at WebFinger, escaping the URL")
    func hostMeta() {
        let document = HostMeta.document(publicURL: "https://scribe.example")
        #expect(document.contains("xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\""))
        #expect(document.contains("template=\"https://scribe.example/.well-known/webfinger?resource={uri}\""))
        #expect(HostMeta.render(template: "<X a=\"{{publicURL}}\"/>", publicURL: "https://x/\"<&") == "<X a=\"https://x/&quot;&lt;&amp;\"/>")
        let template =
            (try? String(
                contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/wellknown/host-meta.xrd"),
                encoding: .utf8
            )) ?? ""
        #expect(HostMeta.render(template: template, publicURL: "https://scribe.example") == document)
    }

    @Test("NodeInfo 2.0 and 2.1 carry what Mastodon, GoToSocial and Misskey read; 2.0 has no 2.1-only fields")
    func nodeInfo() throws {
        for version in ["2.0", "2.1"] {
            let info = NodeInfo(
                version: version,
                softwareName: "scribe",
                softwareVersion: "0.1.0",
                repository: "https://example.org/scribe",
                openRegistrations: true,
                users: 3,
                activeMonth: 2,
                activeHalfyear: 3,
                localPosts: 7,
                nodeName: "Scribe",
                nodeDescription: "Characters"
            )
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(info)) as? [String: Any] ?? [:]
            #expect(Set(json.keys) == ["version", "software", "protocols", "services", "openRegistrations", "usage", "metadata"])
            #expect(json["protocols"] as? [String] == ["activitypub"])
            #expect(((json["usage"] as? [String: Any])?["users"] as? [String: Int])?["activeHalfyear"] == 3)
            #expect(((json["software"] as? [String: Any])?["repository"] != nil) == (version == "2.1"))
        }
        let index = try JSONSerialization.jsonObject(with: JSONEncoder().encode(NodeInfoIndex(publicURL: "https://scribe.example"))) as? [String: Any]
        #expect(
            (index?["links"] as? [[String: String]])?.map { $0["href"] } == [
                "https://scribe.example/nodeinfo/2.0", "https://scribe.example/nodeinfo/2.1",
            ]
        )
    }
}
