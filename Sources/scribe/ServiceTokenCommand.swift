import ArgumentParser
import Foundation
import ScribeCoreClient
import ScribeServer

/// `scribe service-token --service marketplace`: a token for Core's internal API, signed with
/// `SCRIBE_SERVICE_SECRET`, for an operator checking a split deployment by hand (`curl -H
/// "Authorization: Bearer $(scribe service-token --service social)" .../internal/core/statistics`).
struct ServiceTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-token",
        abstract: "Print a short-lived service token for Core's internal API (needs SCRIBE_SERVICE_SECRET)."
    )

    @Option(help: "The calling service: marketplace or social.")
    var service: String
    @Option(help: "Seconds the token is valid, at most 300.")
    var lifetime: Int = 60

    func run() throws {
        guard let caller = CallingService(rawValue: service.lowercased()) else {
            FileHandle.standardError.write(Data("scribe: --service must be marketplace or social (got '\(service)')\n".utf8))
            throw ExitCode(2)
        }
        let variable = Setting.serviceSecret.variable
        guard let text = ProcessInfo.processInfo.environment[variable], let secret = ServiceSecret(text) else {
            FileHandle.standardError.write(Data("scribe: \(variable) must be set to the deployment's secret (32 characters or more)\n".utf8))
            throw ExitCode(2)
        }
        print(ServiceToken.mint(for: caller, secret: secret, lifetime: TimeInterval(min(max(lifetime, 1), 300))))
    }
}
