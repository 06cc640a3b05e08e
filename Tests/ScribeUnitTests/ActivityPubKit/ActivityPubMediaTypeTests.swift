import ActivityPubKit
import Testing

@Suite("ActivityPub media types")
struct ActivityPubMediaTypeTests {
    @Test(
        "accepts the forms peers send for activities",
        arguments: [
            "application/activity+json",
            "application/activity+json; charset=utf-8",
            "Application/Activity+JSON",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "application/ld+json;profile=\"https://www.w3.org/ns/activitystreams https://example.org/other\"",
        ]
    )
    func accepts(contentType: String) {
        #expect(ActivityPubMediaType.isActivityPub(contentType: contentType))
    }

    @Test(
        "rejects plain JSON, JSON-LD without the ActivityStreams profile, and other types",
        arguments: [
            "application/json", "application/ld+json", "application/ld+json; profile=\"https://example.org/other\"", "text/html", "",
        ]
    )
    func rejects(contentType: String) {
        #expect(!ActivityPubMediaType.isActivityPub(contentType: contentType))
    }

    @Test("tells an ActivityPub client's Accept header from a browser's")
    func acceptHeader() {
        #expect(ActivityPubMediaType.isRequested(byAccept: "application/activity+json, application/ld+json"))
        #expect(ActivityPubMediaType.isRequested(byAccept: "text/html, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""))
        #expect(!ActivityPubMediaType.isRequested(byAccept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"))
    }
}
