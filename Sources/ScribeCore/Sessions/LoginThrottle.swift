import Logging
import PostgresNIO
import ScribeContracts

/// Limits failed logins per account and per client address in fixed windows, in the database so
/// every server process shares the counts. The account key is the identifier as typed
/// (lower-cased), so guessing against names that do not exist is limited too.
struct LoginThrottle: Sendable {
    let pool: PostgresClient
    let settings: CoreSettings
    let logger: Logger

    struct Subject: Sendable {
        var account: String
        var address: String?
    }

    /// Throws ``CoreError/Code/rateLimited`` while either limit is reached.
    func check(_ subject: Subject) async throws(CoreError) {
        for (scope, key, limit) in keys(subject) {
            let window = settings.loginFailureWindow.wholeSeconds
            let rows = try await run {
                try await pool.query(
                    """
                    SELECT failures, ceil(extract(epoch FROM window_started_at + make_interval(secs => \(window)) - now()))::int
                    FROM core.login_failures
                    WHERE scope = \(scope) AND key = \(key) AND window_started_at > now() - make_interval(secs => \(window))
                    """,
                    logger: logger
                ).collect()
            }
            if let row = rows.first, let (failures, remaining) = try? row.decode((Int, Int).self), failures >= limit {
                throw CoreError(
                    .rateLimited,
                    "Too many failed attempts; try again in \(max(remaining, 1)) seconds.",
                    retryAfterSeconds: max(remaining, 1)
                )
            }
        }
    }

    func recordFailure(_ subject: Subject) async throws(CoreError) {
        let window = settings.loginFailureWindow.wholeSeconds
        for (scope, key, _) in keys(subject) {
            _ = try await run {
                try await pool.query(
                    """
                    INSERT INTO core.login_failures AS f (scope, key, window_started_at, failures) VALUES (\(scope), \(key), now(), 1)
                    ON CONFLICT (scope, key) DO UPDATE SET
                        failures = CASE WHEN f.window_started_at <= now() - make_interval(secs => \(window)) THEN 1 ELSE f.failures + 1 END,
                        window_started_at = CASE WHEN f.window_started_at <= now() - make_interval(secs => \(window))
                            THEN now() ELSE f.window_started_at END
                    """,
                    logger: logger
                )
            }
        }
    }

    /// A successful login clears the account's count (not the address's).
    func reset(account: String) async throws(CoreError) {
        _ = try await run {
            try await pool.query("DELETE FROM core.login_failures WHERE scope = 'account' AND key = \(account.lowercased())", logger: logger)
        }
    }

    private func keys(_ subject: Subject) -> [(String, String, Int)] {
        var keys = [("account", subject.account.lowercased(), settings.loginFailuresPerAccount)]
        if let address = subject.address { keys.append(("address", address, settings.loginFailuresPerAddress)) }
        return keys
    }
}
