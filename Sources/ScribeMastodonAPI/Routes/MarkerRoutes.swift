import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import ScribeContracts
import ScribeHTTP

/// Markers: where the user stopped reading her home timeline and her notifications, kept so
/// every app she uses opens at the same place (`mastodon.markers`).
struct MarkerRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>
    let pool: PostgresClient
    let logger: Logger

    static var timelines: [String] { ["home", "notifications"] }

    func add(to router: Router<Context>) {
        router.get("api/v1/markers", use: show)
        router.post("api/v1/markers", use: save)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> [String: Marker] {
        let user = try await api.callers.user(request, context, scope: "read:statuses")
        let parameters = try await Parameters.read(request, context: context)
        let wanted = parameters.list("timeline").filter(Self.timelines.contains)
        return try await markers(of: user, wanted.isEmpty ? Self.timelines : wanted)
    }

    @Sendable func save(_ request: Request, context: Context) async throws -> [String: Marker] {
        let user = try await api.callers.user(request, context, scope: "write:statuses")
        let parameters = try await Parameters.read(request, context: context)
        var saved: [String] = []
        for timeline in Self.timelines {
            guard let id = parameters["\(timeline)[last_read_id]"] else { continue }
            guard !id.isEmpty, id.count <= 40, id.allSatisfy(\.isNumber) else { throw MastodonError.invalid("Last read id is invalid") }
            try await database(logger) {
                try await pool.query(
                    """
                    INSERT INTO mastodon.markers (user_id, timeline, last_read_id) VALUES (\(user), \(timeline), \(id))
                    ON CONFLICT (user_id, timeline) DO UPDATE SET last_read_id = EXCLUDED.last_read_id,
                        version = mastodon.markers.version + 1, updated_at = now()
                    """,
                    logger: logger
                )
            }
            saved.append(timeline)
        }
        guard !saved.isEmpty else { throw MastodonError.missing("home[last_read_id]") }
        return try await markers(of: user, saved)
    }

    private func markers(of user: UUID, _ timelines: [String]) async throws -> [String: Marker] {
        let rows = try await database(logger) {
            try await pool.query(
                "SELECT timeline, last_read_id, version, updated_at FROM mastodon.markers WHERE user_id = \(user) AND timeline = ANY(\(timelines))",
                logger: logger
            ).collect()
        }
        var found: [String: Marker] = [:]
        for row in rows {
            let (timeline, id, version, updated) = try decodeRow(row, as: (String, String, Int, Date).self)
            found[timeline] = Marker(last_read_id: id, version: version, updated_at: MastodonDate.string(updated))
        }
        return found
    }
}
