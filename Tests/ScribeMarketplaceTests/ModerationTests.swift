import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeSocial
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Reports, hiding, language and file downloads")
struct ModerationTests {
    static func actor(_ session: AuthenticatedSession, moderator: Bool = false) -> MarketplaceCaller {
        EngagementTests.actor(session, moderator: moderator)
    }

    static func listed(_ application: TestModules) async throws -> [String] {
        try await application.marketplace.search.search(ListingQuery.parse([("sort", "newest")])).listings.map(\.name)
    }

    @Test("a reported listing hidden by a moderator leaves search, detail, Core's shared view and the fediverse; restoring brings it back")
    func hideAndRestore() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let carol = try await ListingsTests.session(application, "carol")
            let moderator = try await ListingsTests.session(application, "mod")
            let spam = try await ListingsTests.publish(application, alice, "Spam Bot")
            try await ListingsTests.publish(application, alice, "Decent")
            try await application.marketplace.listings.catchUp()
            try await application.social.settle()
            let reports = application.marketplace.reports

            let first = try await reports.report(listing: spam, reason: "It is spam.", by: Self.actor(bob))
            _ = try await reports.report(listing: spam, reason: "Spam, really.", by: Self.actor(carol))
            await #expect(throws: MarketplaceError.self) { try await reports.report(listing: spam, reason: "Again!", by: Self.actor(bob)) }
            await #expect(throws: MarketplaceError.self) { try await reports.report(listing: spam, reason: "  ", by: Self.actor(bob)) }
            await #expect(throws: MarketplaceError.self) { try await reports.report(listing: UUID(), reason: "Nothing there", by: Self.actor(bob)) }
            await #expect(throws: MarketplaceError(.unauthenticated, "Log in to continue.")) {
                try await reports.report(listing: spam, reason: "anonymous", by: MarketplaceCaller(userID: nil))
            }
            await #expect(throws: MarketplaceError(.forbidden, "Only moderators do this.")) { try await reports.queue(by: Self.actor(bob)) }
            #expect(try await reports.queue(by: Self.actor(moderator, moderator: true)).map(\.reason) == ["It is spam.", "Spam, really."])
            await #expect(throws: MarketplaceError.self) {
                try await reports.resolve(first.id, .removeReview, by: Self.actor(moderator, moderator: true))
            }
            await #expect(throws: MarketplaceError.self) { try await reports.resolve(first.id, .hide, by: Self.actor(bob)) }

            try await reports.resolve(first.id, .hide, by: Self.actor(moderator, moderator: true))
            #expect(
                try await reports.queue(by: Self.actor(moderator, moderator: true)).isEmpty,
                "one decision closes every open report of the listing"
            )
            #expect(try await Self.listed(application) == ["Decent"])
            await #expect(throws: MarketplaceError(.notFound, "No such listing.")) {
                try await application.marketplace.detail(spam, by: Self.actor(bob))
            }
            // Core honours it for everyone, and the listings consumer keeps it out.
            await #expect(throws: CoreAPIError.self) { try await application.core.sharedView(of: .character, id: spam, for: .anonymous) }
            try await application.marketplace.listings.catchUp()
            #expect(try await Self.listed(application) == ["Decent"])
            // Social takes its Note back.
            try await application.social.settle()
            let gone = try await application.database.owner.query(
                "SELECT deleted_at IS NOT NULL FROM social.published_objects WHERE item_id = \(spam)",
                logger: TestLogger.make("probe")
            ).collect().first?.decode(Bool.self)
            #expect(gone == true)
            #expect(try await reports.hidden(by: Self.actor(moderator, moderator: true)).map(\.itemName) == ["Spam Bot"])

            try await reports.restore(spam, by: Self.actor(moderator, moderator: true))
            try await application.marketplace.listings.catchUp()
            #expect(try await Self.listed(application).sorted() == ["Decent", "Spam Bot"])
            _ = try await application.core.sharedView(of: .character, id: spam, for: .anonymous)
            await #expect(throws: MarketplaceError.self) { try await reports.restore(spam, by: Self.actor(moderator, moderator: true)) }
        }
    }

    @Test("a reported review is removed by a moderator's decision; a dismissed report changes nothing")
    func reviewReports() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let carol = try await ListingsTests.session(application, "carol")
            let moderator = Self.actor(try await ListingsTests.session(application, "mod"), moderator: true)
            let item = try await ListingsTests.publish(application, alice, "Reviewed")
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement
            await #expect(throws: MarketplaceError(.forbidden, "Creators cannot review their own items.")) {
                try await engagement.review(item, body: "Mine is the best.", by: Self.actor(alice))
            }
            let rude = try await engagement.review(item, body: "Rude words.", by: Self.actor(bob))
            let fine = try await engagement.review(item, body: "Lovely.", by: Self.actor(carol))

            let dismissed = try await application.marketplace.reports.report(review: fine.id, reason: "I disagree", by: Self.actor(bob))
            try await application.marketplace.reports.resolve(dismissed.id, .dismiss, by: moderator)
            let report = try await application.marketplace.reports.report(review: rude.id, reason: "Abusive", by: Self.actor(alice))
            await #expect(throws: MarketplaceError.self) { try await application.marketplace.reports.resolve(report.id, .hide, by: moderator) }
            try await application.marketplace.reports.resolve(report.id, .removeReview, by: moderator)
            #expect(try await engagement.reviews(of: item).map(\.body) == ["Lovely."])
            #expect(try await application.marketplace.reports.queue(status: "dismissed", by: moderator).map(\.id) == [dismissed.id])
            #expect(try await application.marketplace.reports.queue(status: "actioned", by: moderator).map(\.id) == [report.id])
            await #expect(throws: MarketplaceError.self) { try await application.marketplace.reports.queue(status: "weird", by: moderator) }
            #expect(try await Self.listed(application) == ["Reviewed"], "removing a review leaves the listing")
        }
    }

    @Test("the creator sets a listing's language; search filters by it and a rebuild keeps it")
    func language() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let german = try await ListingsTests.publish(application, alice, "Bergführer")
            try await ListingsTests.publish(application, alice, "Guide")
            try await application.marketplace.listings.catchUp()
            let settings = application.marketplace.settings

            try await settings.setLanguage(german, to: "de", by: Self.actor(alice))
            await #expect(throws: MarketplaceError(.forbidden, "Only the creator or a moderator sets the language.")) {
                try await settings.setLanguage(german, to: "fr", by: Self.actor(bob))
            }
            for bad in ["", "German", "d", "de_DE", "de-", String(repeating: "x", count: 40)] {
                await #expect(throws: MarketplaceError.self, "\(bad)") { try await settings.setLanguage(german, to: bad, by: Self.actor(alice)) }
            }
            let filtered = { () async throws -> [String] in
                try await application.marketplace.search.search(ListingQuery.parse([("language", "de")])).listings.map(\.name)
            }
            #expect(try await filtered() == ["Bergführer"])
            try await application.marketplace.listings.rebuild()
            #expect(try await filtered() == ["Bergführer"])
            #expect(try await application.marketplace.search.listing(german).language == "de")
        }
    }

    @Test("downloads come as V3 or V2 JSON, a PNG card, and for lorebooks World Info; other pairings are refused")
    func fileFormats() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = Self.actor(try await ListingsTests.session(application, "bob"))
            let character = try await ListingsTests.publish(application, alice, "Painter", tags: ["art"])
            let book = try await application.core.lorebooks.importFile(try Fixtures.data("cards/eldoria-worldinfo.json"), name: "Eldoria", for: alice)
            _ = try await application.core.lorebooks.setPublic(book.id, true, for: alice)
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement

            let png = try await engagement.download(character, format: .png, by: bob)
            #expect(png.contentType == "image/png" && png.filename == "Painter.png")
            let embedded = try CharacterCard.read(json: try PNGCard.cardJSON(in: png.data))
            #expect(embedded.name == "Painter" && embedded.data["tags"] == .array([.string("art")]))
            let v2 = try await engagement.download(character, format: .v2, by: bob)
            #expect(JSONValue.parse(v2.data)?.objectValue?["spec"] == .string("chara_card_v2"))
            let v3 = try await engagement.download(character, by: bob)
            #expect(JSONValue.parse(v3.data)?.objectValue?["spec"] == .string("chara_card_v3"))

            let worldInfo = try await engagement.download(book.id, format: .worldInfo, by: bob)
            let entries = try #require(JSONValue.parse(worldInfo.data)?.objectValue?["entries"]?.objectValue)
            #expect(entries.count == book.book.entries.count && !entries.isEmpty)
            let lorebook = try await engagement.download(book.id, by: bob)
            #expect(JSONValue.parse(lorebook.data)?.objectValue?["spec"] == .string("lorebook_v3"))

            await #expect(throws: MarketplaceError.self) { try await engagement.download(character, format: .worldInfo, by: bob) }
            await #expect(throws: MarketplaceError.self) { try await engagement.download(book.id, format: .png, by: bob) }
            #expect(try await application.marketplace.search.listing(character).downloadCount == 1, "one downloader, one day, whatever the formats")
        }
    }
}
