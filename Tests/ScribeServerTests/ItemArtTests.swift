import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeTestSupport
import Testing

/// Character art on the pages: thumbnails at the sizes the grid asks for, cached for good at
/// URLs that change with the item, and private where the item is.
@Suite("Item art over real HTTP")
struct ItemArtTests {
    /// Every `<img src>` on a page that is an item's art.
    static func artSources(_ html: String) -> [String] {
        html.components(separatedBy: "src=\"/images/characters/").dropFirst().compactMap {
            $0.split(separator: "\"").first.map { "/images/characters/" + $0 }
        }
    }

    @Test(
        "the marketplace home's cards have art at 160 pixels, thirty of which total under 300 KB, served immutable with an ETag and 304; followers-only art is private; unshared art is 404"
    )
    func homeArt() async throws {
        try await withTestServer { client, _ in
            let alice = try await WebPageTests.browser(client, "alice")
            // Ten are enough to measure a card's art (thirty is the browser test's, which measures
            // the whole page); fewer imports keep the suite light on a busy machine.
            var ids: [String] = []
            for _ in 0..<10 {
                let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
                #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
                ids.append(id)
            }
            let found = try await eventually { () -> String? in
                let page = String(buffer: try await client.execute(uri: "/", method: .get, headers: WebPageTests.html) { $0 }.body)
                return Self.artSources(page).count == 10 ? page : nil
            }
            let home = try #require(found)
            let sources = Self.artSources(home)
            #expect(sources.allSatisfy { $0.hasSuffix("/w160") })
            #expect(home.contains("srcset=\"\(sources[0]) 160w, \(sources[0].dropLast(4))w320 320w\""))
            var total = 0
            for source in sources {
                let image = try await client.execute(uri: source, method: .get) { $0 }
                #expect(image.status == .ok)
                #expect(["image/webp", "image/jpeg"].contains(image.headers[.contentType] ?? ""))
                #expect(image.headers[.cacheControl] == "public, max-age=31536000, immutable")
                total += image.body.readableBytes
            }
            #expect(total * 3 < 300_000, "ten cards' art is \(total) bytes, so thirty would be \(total * 3)")
            // The original card is half a megabyte; the card's art is a few kilobytes of it.
            #expect(total / 10 < (try CharacterRoutesTests.seraphinaPNG.count) / 20)

            // Asked again with its ETag: 304, nothing sent.
            let first = try await client.execute(uri: sources[0], method: .get) { $0 }
            let tag = try #require(first.headers[.eTag])
            let again = try await client.execute(uri: sources[0], method: .get, headers: [.ifNoneMatch: tag]) { $0 }
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            // Only the sizes the pages use.
            #expect(try await client.execute(uri: String(sources[0].dropLast(4)) + "w5000", method: .get) { $0.status } == .notFound)

            // Followers-only art: its owner gets it, privately; anyone else 404, as for the item.
            let closed = ids[0]
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, closed, "followers", alice).status == .ok)
            let closedArt = "/images/characters/\(closed)/1/w160"
            #expect(try await client.execute(uri: closedArt, method: .get) { $0.status } == .notFound)
            let owners = try await client.execute(uri: closedArt, method: .get, headers: alice) { $0 }
            #expect(owners.status == .ok && owners.headers[.cacheControl] == "private, no-cache")
            // Made private, it is gone for everyone else at once, cached or not.
            let open = ids[1]
            let openArt = try #require(sources.first { $0.contains(open) })
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, open, "private", alice).status == .ok)
            #expect(try await client.execute(uri: openArt, method: .get) { $0.status } == .notFound)
        }
    }

    @Test("adult art is blurred behind a click for a visitor on the item page and the creator's profile, unless the browser chose to see it")
    func adultArtIsBlurred() async throws {
        try await withTestServer { client, _ in
            let alice = try await WebPageTests.browser(client, "alice")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
            // Rated for adults by its creator, once its listing is there.
            #expect(
                try await eventually {
                    try await client.execute(
                        uri: "/api/v1/marketplace/listings/\(id)/content-rating",
                        method: .put,
                        headers: alice.merging([.contentType: "application/json"]),
                        body: ByteBuffer(string: #"{"content_rating":"nsfw"}"#)
                    ) { $0.status } == .noContent
                }
            )
            for path in ["/characters/\(id)", "/@alice"] {
                #expect(
                    try await eventually {
                        let page = String(buffer: try await client.execute(uri: path, method: .get, headers: WebPageTests.html) { $0 }.body)
                        return page.contains("<div class=\"art adult\">") && page.contains("class=\"reveal\" id=\"reveal-\(id)\"")
                            && page.contains("Adult content · show")
                    },
                    "\(path)"
                )
                // A browser that chose to see it gets it unblurred.
                let shown = String(
                    buffer: try await client.execute(uri: path, method: .get, headers: WebPageTests.html.merging([.cookie: "scribe_adult=show"])) {
                        $0
                    }.body
                )
                #expect(!shown.contains("art adult") && shown.contains("/images/characters/\(id)/"), "\(path)")
            }
            // Link previews never carry adult art.
            let page = String(buffer: try await client.execute(uri: "/characters/\(id)", method: .get, headers: WebPageTests.html) { $0 }.body)
            #expect(!page.contains("property=\"og:image\""))
        }
    }

    @Test(
        "a profile shows its avatar and header as thumbnails, cached for good at URLs that change when the image does; a 96-pixel avatar is a few kilobytes, not the 511 KB original"
    )
    func profileImages() async throws {
        try await withTestServer { client, _ in
            let alice = try await WebPageTests.browser(client, "alice")
            let png = try CharacterRoutesTests.seraphinaPNG
            for kind in ["avatar", "header"] {
                let put = try await client.execute(
                    uri: "/api/v1/accounts/me/\(kind)",
                    method: .put,
                    headers: alice.merging([.contentType: "image/png"]),
                    body: ByteBuffer(bytes: png)
                ) { $0.status }
                #expect(put == .noContent)
            }
            func profileImages() async throws -> (avatar: String, header: String) {
                let page = String(buffer: try await client.execute(uri: "/@alice", method: .get, headers: WebPageTests.html) { $0 }.body)
                func source(_ kind: String) throws -> String {
                    let start = try #require(page.range(of: "src=\"/api/v1/users/alice/\(kind)/"))
                    return String(page[page.index(start.lowerBound, offsetBy: 5)...].prefix { $0 != "\"" })
                }
                return (try source("avatar"), try source("header"))
            }
            let before = try await profileImages()
            #expect(before.avatar.hasSuffix("/w320") && before.header.hasSuffix("/w1280"))
            let small = String(before.avatar.dropLast(4)) + "w96"
            let avatar = try await client.execute(uri: small, method: .get) { $0 }
            #expect(avatar.status == .ok && ["image/webp", "image/jpeg"].contains(avatar.headers[.contentType] ?? ""))
            #expect(avatar.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(avatar.body.readableBytes < 20_000, "a 96-pixel avatar is \(avatar.body.readableBytes) bytes")
            let header = try await client.execute(uri: before.header, method: .get) { $0 }
            #expect(header.status == .ok && header.body.readableBytes < png.count / 4)
            let tag = try #require(avatar.headers[.eTag])
            #expect(try await client.execute(uri: small, method: .get, headers: [.ifNoneMatch: tag]) { $0.status } == .notModified)
            #expect(try await client.execute(uri: String(before.avatar.dropLast(4)) + "w100", method: .get) { $0.status } == .notFound)

            // A new avatar is at a new URL (a second later: the version counts seconds).
            try await Task.sleep(for: .seconds(1.1))
            let replaced = try await client.execute(
                uri: "/api/v1/accounts/me/avatar",
                method: .put,
                headers: alice.merging([.contentType: "image/png"]),
                body: ByteBuffer(bytes: png)
            ) { $0.status }
            #expect(replaced == .noContent)
            #expect(try await profileImages().avatar != before.avatar)
            // Removed, it is gone from the page and its thumbnails.
            #expect(try await client.execute(uri: "/api/v1/accounts/me/avatar", method: .delete, headers: alice) { $0.status } == .noContent)
            let page = String(buffer: try await client.execute(uri: "/@alice", method: .get, headers: WebPageTests.html) { $0 }.body)
            #expect(!page.contains("/api/v1/users/alice/avatar/"))
            #expect(try await client.execute(uri: small, method: .get) { $0.status } == .notFound)
        }
    }
}
