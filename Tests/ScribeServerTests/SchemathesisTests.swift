import Foundation
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The OpenAPI document against the running server, by an independent generator: schemathesis
/// (from PyPI, installed by `scripts/python-tools`) derives requests from `schemas/openapi/`,
/// valid and hostile, anonymous and signed in, and checks every answer: never a 5xx, a documented
/// status, the documented content type and a body that matches its schema.
///
/// CI spends `SCRIBE_SCHEMATHESIS_SECONDS` (30 by default) on it; a longer run is the same
/// command with a larger budget, e.g.
/// `SCRIBE_SCHEMATHESIS_SECONDS=900 scripts/test --filter SchemathesisTests`.
@Suite("The OpenAPI document matches the running server", .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil))
struct SchemathesisTests {
    static var budgetSeconds: Int { ProcessInfo.processInfo.environment["SCRIBE_SCHEMATHESIS_SECONDS"].flatMap(Int.init) ?? 30 }

    @Test("schemathesis' generated requests, signed in and not: no 5xx, and every answer has a documented status, type and shape")
    func conformance() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["SCRIBE_PYTHON"])
        let schemathesis = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("schemathesis").path
        try #require(FileManager.default.isExecutableFile(atPath: schemathesis), "scripts/python-tools installs schemathesis next to \(python)")

        let location = try await TestDatabases.shared.makeDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let dataDirectory = NSTemporaryDirectory() + "scribe-schemathesis-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = try freePort(host: "127.0.0.1")
        let server = try ScribeProcess(environment: [
            "DATABASE_URL": try #require(location.processURL), "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)",
            "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)", "SCRIBE_LOG_LEVEL": "critical",
        ])
        try await server.waitUntilReady()

        // A signed-in user, so the operations behind a session are reached too. Its password is
        // random, so no generated request can change it or delete the account.
        let password = UUID().uuidString
        let created = try await LoopbackHTTP.send(
            port: port,
            method: "POST",
            path: "/api/v1/accounts",
            headers: [("Content-Type", "application/json")],
            body: try JSONSerialization.data(withJSONObject: ["username": "generated", "email": "generated@example.com", "password": password])
        )
        #expect(created.status == 201)
        let token = try #require((try created.json()["session"] as? [String: Any])?["token"] as? String)

        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["SCHEMATHESIS_HOOKS"] = nil
        let result = try await ChildProcess.run(
            schemathesis,
            [
                "run", TestPaths.packageRoot + "/schemas/openapi/scribe-api.json", "--url", "http://127.0.0.1:\(port)",
                "-H", "Authorization: Bearer \(token)",
                // Logging out would end the session every other signed-in request uses.
                "--exclude-operation-id", "logOut",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--phases", "examples,coverage,fuzzing", "--max-time", "\(Self.budgetSeconds)", "--workers", "1",
                "--request-timeout", "30", "--generation-database", "none",
            ],
            environment: environment,
            timeout: .seconds(Self.budgetSeconds + 300)
        )
        server.signal(SIGTERM)
        _ = try await server.waitForExit()

        let output = String(decoding: result.output, as: UTF8.self)
        #expect(output.contains("Tested:"), "schemathesis did not test the document:\n\(output.suffix(4000))")
        #expect(result.status == 0, "schemathesis found failures:\n\(output.suffix(12000))")
        #expect(!server.standardError.contains("\"level\":\"critical\""), "the server logged a critical error under schemathesis")
    }
}
