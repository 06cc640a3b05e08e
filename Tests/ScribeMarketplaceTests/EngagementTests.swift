import Foundation
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeTestSupport
import Testing

@Suite("Downloads, ratings, reviews and favourites")
struct EngagementTests {
    static func actor(_ session: AuthenticatedSession, moderator: Bool = false) -> MarketplaceCaller {
        MarketplaceCaller(userID: session.account.id, username: session.account.username, clientAddress: "192.0.2.1", isModerator: moderator)
    }

    @Test("downloads count once per downloader per day and drive the downloads and trending sorts; only listed items download")
    func downloads() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let quiet = try await ListingsTests.publish(application, alice, "Quiet")
            let popular = try await ListingsTests.publish(application, alice, "Popular")
            let secret = try await ListingsTests.publish(application, alice, "Secret", visibility: .unlisted)
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement

            let file = try await engagement.download(popular, by: Self.actor(bob))
            #expect(file.filename == "Popular.json" && String(decoding: file.data, as: UTF8.self).contains("Popular"))
            _ = try await engagement.download(popular, by: Self.actor(bob))
            for address in ["198.51.100.1", "198.51.100.2", "198.51.100.2"] {
                _ = try await engagement.download(popular, by: MarketplaceCaller(userID: nil, clientAddress: address))
            }
            _ = try await engagement.download(quiet, by: Self.actor(bob))
            #expect(try await application.marketplace.search.listing(popular).downloadCount == 3)
            #expect(try await application.marketplace.search.listing(quiet).downloadCount == 1)
            await #expect(throws: MarketplaceError(.notFound, "No such listing.")) { try await engagement.download(secret, by: Self.actor(bob)) }

            for sort in ["downloads", "trending"] {
                let names = try await application.marketplace.search.search(ListingQuery.parse([("sort", sort)])).listings.map(\.name)
                #expect(names == ["Popular", "Quiet"], "\(sort)")
            }
            // Rebuilding the listings recounts from the downloads kept.
            try await application.marketplace.listings.rebuild()
            #expect(try await application.marketplace.search.listing(popular).downloadCount == 3)
        }
    }

    @Test("ratings are 1 to 5, one per user, never by the creator; top uses the Bayesian average")
    func ratings() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let lone = try await ListingsTests.publish(application, alice, "One Five")
            let steady = try await ListingsTests.publish(application, alice, "Many Fours")
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement
            var raters: [AuthenticatedSession] = []
            for index in 0..<6 { raters.append(try await ListingsTests.session(application, "rater\(index)")) }

            try await engagement.rate(lone, stars: 5, by: Self.actor(raters[0]))
            for rater in raters { try await engagement.rate(steady, stars: 4, by: Self.actor(rater)) }
            try await engagement.rate(steady, stars: 3, by: Self.actor(raters[5]))
            try await engagement.rate(steady, stars: 4, by: Self.actor(raters[5]))
            let listing = try await application.marketplace.search.listing(steady)
            #expect(listing.ratingCount == 6 && listing.rating == 4)
            let top = try await application.marketplace.search.search(ListingQuery.parse([("sort", "top")])).listings.map(\.name)
            #expect(top == ["Many Fours", "One Five"], "one 5-star vote must not beat six 4-star votes")

            await #expect(throws: MarketplaceError.self) { try await engagement.rate(lone, stars: 6, by: Self.actor(raters[1])) }
            await #expect(throws: MarketplaceError.self) { try await engagement.rate(lone, stars: 0, by: Self.actor(raters[1])) }
            await #expect(throws: MarketplaceError(.forbidden, "Creators cannot rate their own items.")) {
                try await engagement.rate(lone, stars: 5, by: Self.actor(alice))
            }
            await #expect(throws: MarketplaceError.self) { try await engagement.rate(lone, stars: 5, by: MarketplaceCaller(userID: nil)) }
            try await engagement.unrate(lone, by: Self.actor(raters[0]))
            #expect(try await application.marketplace.search.listing(lone).ratingCount == 0)
        }
    }

    @Test("reviews: one per user, rewritable; removed by their author or a moderator, by nobody else")
    func reviews() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let carol = try await ListingsTests.session(application, "carol")
            let item = try await ListingsTests.publish(application, alice, "Reviewed")
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement

            let first = try await engagement.review(item, body: "Good.", by: Self.actor(bob))
            let second = try await engagement.review(item, body: "Very good.", by: Self.actor(bob))
            #expect(first.id == second.id && second.body == "Very good." && second.author == "bob")
            #expect(try await engagement.reviews(of: item).map(\.body) == ["Very good."])
            await #expect(throws: MarketplaceError.self) { try await engagement.review(item, body: "   ", by: Self.actor(bob)) }
            await #expect(throws: MarketplaceError.self) { try await engagement.review(UUID(), body: "Hm.", by: Self.actor(bob)) }
            await #expect(throws: MarketplaceError(.notFound, "No such review of yours.")) {
                try await engagement.deleteReview(second.id, by: Self.actor(carol))
            }
            try await engagement.deleteReview(second.id, by: Self.actor(carol, moderator: true))
            #expect(try await engagement.reviews(of: item).isEmpty)
        }
    }

    @Test("favourites show which items changed since the user last looked")
    func favourites() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let item = try await ListingsTests.publish(application, alice, "Followed")
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement
            try await engagement.favourite(item, by: Self.actor(bob))
            #expect(try await engagement.favourites(of: Self.actor(bob)).map(\.changed) == [false])
            #expect(try await application.marketplace.search.listing(item).favouriteCount == 1)

            _ = try await application.core.characters.replaceCard(item, with: CharacterCard(data: ["name": .string("Followed")]), for: alice)
            try await application.marketplace.listings.catchUp()
            #expect(try await engagement.favourites(of: Self.actor(bob)).map(\.changed) == [true])
            _ = try await application.marketplace.detail(item, by: Self.actor(bob))
            #expect(try await engagement.favourites(of: Self.actor(bob)).map(\.changed) == [false])
            try await engagement.unfavourite(item, by: Self.actor(bob))
            #expect(try await engagement.favourites(of: Self.actor(bob)).isEmpty)
        }
    }
}

@Suite("Content ratings set by hand")
struct ContentRatingTests {
    @Test("the creator sets a rating that holds across updates and rebuilds; a moderator's rating the creator cannot change; others cannot set it")
    func overrides() async throws {
        try await withTestModules { application in
            let alice = try await ListingsTests.session(application, "alice")
            let bob = try await ListingsTests.session(application, "bob")
            let item = try await ListingsTests.publish(application, alice, "Borderline")
            try await application.marketplace.listings.catchUp()
            let engagement = application.marketplace.engagement
            #expect(try await application.marketplace.search.listing(item).contentRating == "sfw")

            try await engagement.setContentRating(item, to: "nsfw", by: EngagementTests.actor(alice))
            #expect(try await application.marketplace.search.search(ListingQuery.parse([])).listings.isEmpty, "nsfw is hidden by default")
            _ = try await application.core.characters.replaceCard(item, with: CharacterCard(data: ["name": .string("Borderline")]), for: alice)
            try await application.marketplace.listings.catchUp()
            try await application.marketplace.listings.rebuild()
            #expect(try await application.marketplace.search.listing(item).contentRating == "nsfw")

            await #expect(throws: MarketplaceError(.forbidden, "Only the creator or a moderator sets the rating.")) {
                try await engagement.setContentRating(item, to: "sfw", by: EngagementTests.actor(bob))
            }
            await #expect(throws: MarketplaceError.self) { try await engagement.setContentRating(item, to: "pg13", by: EngagementTests.actor(alice)) }
            try await engagement.setContentRating(item, to: "nsfw", by: EngagementTests.actor(bob, moderator: true))
            await #expect(throws: MarketplaceError(.forbidden, "A moderator has set this rating.")) {
                try await engagement.setContentRating(item, to: "sfw", by: EngagementTests.actor(alice))
            }
            #expect(try await application.marketplace.search.listing(item).contentRating == "nsfw")
            // Core keeps the one rating, so the item's shared view (what the pages and the
            // federation show) agrees with the listing.
            #expect(try await application.core.sharedView(of: .character, id: item, for: .anonymous).contentRating == .nsfw)
            #expect(try await application.core.metadata(of: .character, id: item, for: .anonymous).contentRating == .nsfw)
        }
    }
}
