import Foundation
import ScribeServer
import ScribeTestFixtures
import ScribeTestSupport
import Testing

/// Each setting is declared once, in `Setting`; the README's table, the command line's options
/// and the configuration are held to that declaration.
@Suite("Each setting is declared once")
struct SettingDeclarationTests {
    @Test("the README's configuration table is the one the declarations make")
    func readmeTable() throws {
        let readme = try String(contentsOfFile: TestPaths.packageRoot + "/README.md", encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| variable |") })
        let table = lines[start...].prefix { $0.hasPrefix("|") }.joined(separator: "\n")
        #expect(table == Setting.readmeTable, "the README's table should read:\n\(Setting.readmeTable)")
    }

    @Test("every setting with a flag is an option of the commands its scope names, and every option is a setting")
    func options() async throws {
        let everyCommand = Set(Setting.all.filter { $0.scope == .everyCommand }.compactMap(\.flag))
        let serveOnly = Set(Setting.all.filter { $0.scope == .serve }.compactMap(\.flag))
        #expect(try await Self.options(of: ["serve"]) == everyCommand.union(serveOnly))
        #expect(try await Self.options(of: ["migrate"]) == everyCommand)
    }

    @Test("each environment variable is spelled in the sources once, in its declaration")
    func spelledOnce() throws {
        let sources = TestPaths.packageRoot + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: sources)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var places: [String: [String]] = [:]
        for file in files {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for setting in Setting.all where text.contains("\"\(setting.variable)\"") { places[setting.variable, default: []].append(file) }
        }
        for setting in Setting.all {
            #expect(places[setting.variable] == ["ScribeServer/Configuration/Setting.swift"], "\(setting.variable)")
        }
    }

    @Test("a setting's default is what the configuration uses when it is not given")
    func defaults() throws {
        let configuration = try ServerConfiguration.resolve(flags: ["SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory], environment: [:])
        #expect(configuration.publicURL.absoluteString == Setting.publicURL.defaultValue)
        #expect("\(configuration.bindHost):\(configuration.bindPort)" == Setting.bind.defaultValue)
        #expect(configuration.dataDirectory == Setting.dataDirectory.defaultValue)
        #expect(String(configuration.deliveryLeaseSeconds) == Setting.deliveryLease.defaultValue)
        #expect(String(configuration.inboxLeaseSeconds) == Setting.inboxLease.defaultValue)
        #expect(String(configuration.rateLimits.perAddress) == Setting.rateLimitAddress.defaultValue)
        #expect(String(configuration.rateLimits.perAccount) == Setting.rateLimitAccount.defaultValue)
        #expect(String(configuration.rateLimits.perRemoteDomain) == Setting.rateLimitInbox.defaultValue)
        #expect(configuration.shutdownGrace == .seconds(Int(Setting.shutdownSeconds.defaultValue ?? "") ?? 0))
        #expect(configuration.role.rawValue == Setting.role.defaultValue)
    }

    /// The long options `scribe <command> --help` lists, without `--help` and `--version`.
    static func options(of command: [String]) async throws -> Set<String> {
        let process = try ScribeProcess(arguments: command + ["--help"], environment: [:])
        #expect(try await process.waitForExit() == 0)
        let help = process.standardOutput
        let options = help.matches(of: /--([a-z][a-z-]*)/).map { String($0.output.1) }
        return Set(options).subtracting(["help", "version"])
    }
}
