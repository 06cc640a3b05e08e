import ArgumentParser
import Foundation
import ScribeContracts
import ScribeMarketplace
import ScribeServer

/// `scribe marketplace ...`: maintenance of the marketplace's own tables.
struct MarketplaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marketplace",
        abstract: "Maintain the marketplace's listings.",
        subcommands: [Rebuild.self]
    )

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Empty the listings and replay Core's event log from the start; the result is the same table a running server keeps."
        )
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            let (events, listings) = try await reportingFailure {
                try await ServerRuntime.withMarketplace(configuration, logger: logger) { marketplace in
                    let events = try await marketplace.listings.rebuild()
                    return (events, try await marketplace.search.search(ListingQuery.parse([("rating", "all"), ("limit", "100")])).listings.count)
                }
            }
            print("Replayed \(events) events; \(listings == 100 ? "100 or more" : String(listings)) listings.")
        }
    }
}
