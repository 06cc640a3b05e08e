import ActivityPubKit
import Foundation
import ScribeTestFixtures
import Testing

@testable import ScribeSocial

/// A remote account's profile as read from its actor document: Mastodon's reading rules, real
/// documents from the corpus, and hostile ones.
@Suite("Remote profiles")
struct RemoteProfileTests {
    static func document(_ path: String) throws -> ASObject {
        try ASObject.decode(Data(contentsOf: Fixtures.fediverse.appendingPathComponent(path)))
    }

    @Test("Friendica's profile: its fields in order with their links kept, its avatar, its locked flag")
    func friendica() throws {
        let profile = RemoteProfile(try Self.document("friendica/objects/person_1.json"), fallbackName: "jakob")
        #expect(profile.name == "Jakob :friendica:")
        #expect(profile.fields.map(\.name) == ["Mobilizon", "Lemmy", "Funkwhale", "Peertube", "Pixelfed", "about:"])
        #expect(
            profile.fields[1].value
                == "<a href=\"https://lemmy.schuerz.at/u/jakob\" rel=\"nofollow noopener\" target=\"_blank\">https://lemmy.schuerz.at/u/jakob</a>"
        )
        #expect(profile.avatar == "https://soc.schuerz.at/photo/profile/jakob.png?ts=1630598950")
        #expect(profile.header == nil && profile.manuallyApprovesFollowers && !profile.isBot)
    }

    @Test("every actor in the corpus reads without a script, with http(s) images only")
    func corpus() throws {
        let actors = try Fixtures.fediverseFiles.map { ($0, try Self.document($0)) }.filter { $0.1.isActor }
        #expect(actors.count >= 5)
        for (file, document) in actors {
            let profile = RemoteProfile(document, fallbackName: "fallback")
            #expect(!profile.name.isEmpty, "\(file)")
            let html = profile.summary + profile.fields.map(\.value).joined()
            #expect(!html.lowercased().contains("<script") && !html.lowercased().contains("javascript:"), "\(file)")
            for image in [profile.avatar, profile.header].compactMap({ $0 }) {
                #expect(image.hasPrefix("https://") || image.hasPrefix("http://"), "\(file)")
            }
        }
    }

    @Test("hostile values are sanitised or dropped; missing flags read false; a Service is a bot; the move is kept")
    func hostile() throws {
        let document: ASObject = [
            "id": "https://evil.example/users/x", "type": "Service", "name": "   ",
            "summary": "<p>Hi<script>alert(1)</script><img src=x onerror=alert(2)></p>",
            "icon": ["type": "Image", "url": "javascript:alert(3)"],
            "image": ["type": "Document", "href": "https://evil.example/header.png"],
            "attachment": [
                ["type": "PropertyValue", "name": "Site", "value": "<a href=\"javascript:alert(4)\">click</a>"],
                ["type": "Note", "name": "Not a field", "value": "x"],
                ["type": "PropertyValue", "name": "No value"],
            ],
            "movedTo": "https://elsewhere.example/users/x",
        ]
        let profile = RemoteProfile(document, fallbackName: "x")
        #expect(profile.name == "x")
        #expect(profile.summary == "<p>Hi</p>")
        #expect(profile.avatar == nil)
        #expect(profile.header == "https://evil.example/header.png")
        // The link without its script address is a link to nowhere.
        #expect(profile.fields == [RemoteProfile.Field(name: "Site", value: "<a>click</a>")])
        #expect(!profile.manuallyApprovesFollowers && !profile.discoverable && !profile.indexable)
        #expect(profile.isBot && profile.movedTo == "https://elsewhere.example/users/x")
    }
}
