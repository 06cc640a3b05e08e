import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Health routes, error shape and request ids over real HTTP")
struct HealthRoutesTests {
    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] ?? [:]
    }

    @Test("GET /healthz answers that the process is alive")
    func liveness() async throws {
        try await withTestServer { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .get) { $0 }
            do {
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(try Self.json(response.body)["status"] as? String == "alive")
            }
        }
    }

    @Test("GET /readyz answers 200 with every check passing on a migrated database")
    func readiness() async throws {
        try await withTestServer { client, _ in
            // Each check has 2 seconds; on a loaded machine the first one, opening the pools'
            // connections, may take longer, and a probe simply asks again.
            var response = try await client.execute(uri: "/readyz", method: .get) { $0 }
            for _ in 0..<30 where response.status != .ok {
                try await Task.sleep(for: .seconds(1))
                response = try await client.execute(uri: "/readyz", method: .get) { $0 }
            }
            do {
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "ready")
                #expect(body["checks"] as? [String: String] == ["database": "ok", "migrations": "current"])
            }
        }
    }

    @Test("GET /readyz answers 503 when the database holds a migration this build does not know")
    func notReadyWhenDiverged() async throws {
        try await withTestServer { client, database in
            try await database.owner.query(
                "INSERT INTO storage.schema_migrations (schema_name, version, name, checksum) VALUES ('core', 9999, 'from_the_future', 'x')",
                logger: TestLogger.make("readyz")
            )
            let response = try await client.execute(uri: "/readyz", method: .get) { $0 }
            do {
                #expect(response.status == .serviceUnavailable)
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "not_ready")
                #expect((body["checks"] as? [String: String])?["migrations"] == "diverged")
            }
        }
    }

    @Test("an unknown route answers 404 in the API's error shape")
    func notFoundShape() async throws {
        try await withTestServer { client, _ in
            let response = try await client.execute(uri: "/no/such/route", method: .get) { $0 }
            do {
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let error = try Self.json(response.body)["error"] as? [String: String]
                #expect(error?["code"] == "not_found")
                #expect(error?["message"]?.isEmpty == false)
            }
        }
    }

    @Test("every response carries a request id; a well-formed incoming one is kept, a hostile one replaced")
    func requestIDs() async throws {
        try await withTestServer { client, _ in
            let requestID = HTTPField.Name("X-Request-Id")!
            let generated = try await client.execute(uri: "/healthz", method: .get) { $0.headers[requestID] }
            #expect(generated?.isEmpty == false)
            let kept = try await client.execute(uri: "/healthz", method: .get, headers: [requestID: "proxy-abc.123"]) { $0.headers[requestID] }
            #expect(kept == "proxy-abc.123")
            let hostile = "bad id\u{7f}<script>" + String(repeating: "x", count: 200)
            let replaced = try await client.execute(uri: "/healthz", method: .get, headers: [requestID: hostile]) { $0.headers[requestID] }
            #expect(replaced != nil && replaced != hostile && replaced?.contains("<") == false)
        }
    }
}
