import Foundation
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The web pages in a real browser: `scripts/web_acceptance.py` drives Debian's headless
/// Chromium through Selenium against a real `scribe` process. `scripts/test` installs Chromium,
/// its driver and Selenium, and sets `SCRIBE_PYTHON`; CI fails without them, elsewhere this test
/// is skipped, never passed. It runs against one process and against a split deployment, whose
/// social process serves the pages. Screenshots of each page go to `.build/test-output/web`.
@Suite(
    "Pages in a real browser",
    .enabled(
        if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    ),
    // One browser at a time: Chromium shares two cores badly.
    .serialized
)
struct WebBrowserTests {
    static let screenshots = TestPaths.packageRoot + "/.build/test-output/web"

    /// How the server under test runs: one process, or three (`--role core|marketplace|social`)
    /// with the browser talking to the social process, which serves the pages.
    enum Deployment: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case oneProcess = "one process"
        case split = "a split deployment"
        var testDescription: String { rawValue }
    }

    @Test(
        "sign up, import seraphina.png, publish, find it, open it, rate and favourite it from a second account; the creator is told, posts from her profile with a counting composer, gives it new art with a changelog; thirty cards of art under 300 KB; every page passes the accessibility basics at desktop and phone widths; private items stay private",
        arguments: Deployment.allCases
    )
    func acceptance(_ deployment: Deployment) async throws {
        switch deployment {
        case .oneProcess:
            let location = try await TestDatabases.shared.makeDatabase()
            defer { Task { try? await TestDatabases.shared.drop(location) } }
            let dataDirectory = NSTemporaryDirectory() + "scribe-web-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            let port = try freePort(host: "127.0.0.1")
            let origin = "http://127.0.0.1:\(port)"
            let databaseURL = try #require(location.processURL)
            let server = try ScribeProcess(environment: [
                "DATABASE_URL": databaseURL, "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_PUBLIC_URL": origin,
            ])
            try await server.waitUntilReady()
            try await Self.browse(
                origin,
                commandEnvironment: ["DATABASE_URL": databaseURL, "SCRIBE_DATA_DIR": dataDirectory],
                screenshots: "one-process"
            )
            server.signal(SIGTERM)
            _ = try await server.waitForExit()
        case .split:
            try await SplitDeploymentTests.withSplitDeployment { deployment in
                try await Self.browse(deployment.publicURL, commandEnvironment: deployment.commandEnvironment, screenshots: "split")
            }
        }
    }

    /// The browser's whole run against the server at `origin`; `commandEnvironment` lets
    /// `scribe user create` reach the same database and keys.
    static func browse(_ origin: String, commandEnvironment: [String: String], screenshots folder: String) async throws {
        let screenshots = Self.screenshots + "/" + folder
        try? FileManager.default.removeItem(atPath: screenshots)
        // A moderator, made as an operator makes one, so the moderation page is audited too.
        let moderator = try ScribeProcess(
            arguments: ["user", "create", "mod", "--email", "mod@example.org", "--role", "moderator"],
            environment: commandEnvironment,
            standardInput: "correct horse battery\n"
        )
        #expect(try await moderator.waitForExit() == 0, "\(moderator.standardError)")

        let reportPath = NSTemporaryDirectory() + "scribe-web-report-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: reportPath) }
        let result = try await ChildProcess.run(
            try #require(ProcessInfo.processInfo.environment["SCRIBE_PYTHON"]),
            [
                TestPaths.packageRoot + "/scripts/web_acceptance.py", "--base", origin, "--card",
                TestPaths.fixturesDirectory + "/cards/seraphina.png",
                "--lorebook", TestPaths.fixturesDirectory + "/cards/eldoria-worldinfo.json", "--screenshots", screenshots, "--report",
                reportPath,
                "--moderator", "mod:correct horse battery",
            ],
            timeout: .seconds(900)
        )
        let data = try #require(FileManager.default.contents(atPath: reportPath), "the browser run wrote no report")

        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        let failures = report["failures"] as? [String] ?? ["no report"]
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(
            report["steps"] as? [String] == [
                "signed up", "imported and published", "found and opened the item", "rated from a second account", "private items stay private",
                "social: creator news, composer, profile posts, new art and changelog, phones", "the hub: art, blur, phones", "moderated",
            ]
        )
        // What the browser measured, beside its limits, for the log.
        print((report["measured"] as? [String] ?? []).joined(separator: "\n"))
        let pages = report["pages"] as? [[String: Any]] ?? []
        #expect(pages.count >= 35, "every page visited is audited and photographed, at desktop and phone widths")
        #expect(pages.contains { $0["name"] as? String == "moderation" }, "the moderation page is audited")
        for page in pages {
            let path = try #require(page["screenshot"] as? String)
            #expect(FileManager.default.fileExists(atPath: path), "no screenshot at \(path)")
        }
        #expect(result.status == 0)
    }
}
