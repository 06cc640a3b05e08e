import ArgumentParser
import Foundation
import ScribeServer
import ScribeSocial

/// `scribe federation ...`: instance-level moderation of the fediverse — domain blocks and the
/// queue of reports other servers send.
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Block and unblock domains, and read reports from other servers.",
        subcommands: [Block.self, Unblock.self, Blocks.self, Reports.self, Resolve.self]
    )

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a domain and its subdomains: nothing is accepted from or delivered to them, and follows with them end."
        )
        @Argument(help: "The domain, e.g. spam.example.") var domain: String
        @Option(help: "Why, for the record.") var reason: String?
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            try await reportingFailure {
                try await ServerRuntime.withSocial(configuration, logger: logger) { try await $0.domainBlocks.block(domain, reason: reason) }
            }
            print("Blocked \(domain).")
        }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a domain block.")
        @Argument(help: "The domain.") var domain: String
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            try await reportingFailure {
                try await ServerRuntime.withSocial(configuration, logger: logger) { try await $0.domainBlocks.unblock(domain) }
            }
            print("Unblocked \(domain).")
        }
    }

    struct Blocks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blocked domains.")
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            let blocks = try await reportingFailure {
                try await ServerRuntime.withSocial(configuration, logger: logger) { try await $0.domainBlocks.list() }
            }
            for block in blocks { print("\(block.domain)\t\(block.reason ?? "")") }
        }
    }

    struct Reports: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open reports from other servers, oldest first.")
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            let reports = try await reportingFailure {
                try await ServerRuntime.withSocial(configuration, logger: logger) { try await $0.reports.open() }
            }
            for report in reports { print("\(report.id)\t\(report.reporter)\t\(report.objects.joined(separator: " "))\t\(report.content)") }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resolve-report", abstract: "Mark a report resolved.")
        @Argument(help: "The report's number, from `scribe federation reports`.") var id: Int64
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            try await reportingFailure {
                try await ServerRuntime.withSocial(configuration, logger: logger) { try await $0.reports.resolve(id) }
            }
            print("Report \(id) resolved.")
        }
    }
}
