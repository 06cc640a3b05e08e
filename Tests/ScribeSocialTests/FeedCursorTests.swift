import Foundation
import HTTPTypes
import HummingbirdTesting
import ScribeTestSupport
import Testing

/// Found by schemathesis: a public-feed cursor beyond the dates PostgreSQL can hold crashed the
/// server (the date encoder traps on overflow). A cursor is the client's to make up.
@Suite("Feed cursors from clients")
struct FeedCursorTests {
    @Test(
        "any whole-number cursor of the public feed is answered, never a crash or a 5xx",
        arguments: [
            "9223372036854775807", "-9223372036854775807", "0", "253402300799", "99999999999999",
        ]
    )
    func extremeCursors(before: String) async throws {
        try await withTestServer { client, _ in
            let reply = try await client.execute(uri: "/api/v1/feeds/public?before=\(before)", method: .get) { $0 }
            #expect(reply.status == .ok, "\(before)")
            // The server is still there.
            #expect(try await client.execute(uri: "/healthz", method: .get) { $0 }.status == .ok)
        }
    }
}
