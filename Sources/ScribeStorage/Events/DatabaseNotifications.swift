import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Wakes this process's workers when a transaction, in this process or another on the same
/// database, commits work for them: PostgreSQL's `LISTEN`/`NOTIFY`. Triggers on the tables that
/// queue work notify a channel when their transaction commits (Core's event log, Social's inbox
/// and deliveries), and one connection of this process listens on each channel its workers
/// wait for. Workers then need only a slow safety poll, and an idle server asks the database
/// nothing.
///
/// Guarantees:
/// - each channel's `wake` is called within milliseconds of a commit that notifies it;
/// - whenever the connection is made (again), every `wake` is called once, since what was
///   notified while it was down is lost;
/// - every notification, and the connection's coming and going, is posted to the database's
///   ``ChangeNotices`` before the channel's `wake` is called;
/// - a lost connection is retried after 100 ms, doubling up to 5 s, and logged once per outage;
/// - it holds one connection as the login user, outside the modules' pools.
public final class DatabaseNotifications: Service, Sendable {
    /// The channels work is announced on, and what announces it.
    public enum Channel: String, Sendable, CaseIterable {
        /// A Core event was appended (`core.events`).
        case coreEvents = "scribe_core_events"
        /// A verified activity was queued for processing (`social.inbox_activities`).
        case socialInbox = "scribe_social_inbox"
        /// A delivery was queued (`social.deliveries`).
        case socialDeliveries = "scribe_social_deliveries"
        /// What a user's public documents are made of in Social's tables changed: their actor
        /// settings (`social.account_settings`) or their outbox (`social.published_objects`).
        case socialDocuments = "scribe_social_documents"
    }

    /// The longest a server's idle worker waits without a notification, as a safety net: five
    /// minutes, so an idle server's database hears nothing from it in any minute but every fifth.
    public static var safetyPoll: Duration { .seconds(300) }

    let database: Database
    let wake: [Channel: @Sendable () async -> Void]
    let logger: Logger

    /// - Parameter wake: what each channel wakes; channels not named are not listened to.
    public init(database: Database, wake: [Channel: @Sendable () async -> Void], logger: Logger) {
        self.database = database
        self.wake = wake
        self.logger = logger
    }

    /// Listens from the moment the database is open (its schema current) until the server stops.
    /// (A service group stops the server when a service returns early, so even with nothing to
    /// listen for it waits for the stop.)
    public func run() async throws {
        guard !wake.isEmpty else { return try await gracefulShutdown() }
        await cancelWhenGracefulShutdown {
            // A failed start is the database service's to report; a stop before it is no failure.
            guard (try? await self.database.waitUntilOpen()) != nil else { return }
            await self.listen()
        }
    }

    private func listen() async {
        var delay = Duration.milliseconds(100)
        var outage = false
        while !Task.isCancelled {
            do {
                try await Database.withConnection(to: database.location) { connection in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (channel, wake) in self.wake {
                            group.addTask {
                                try await connection.listen(on: channel.rawValue) { notifications in
                                    self.database.changes.post(.listening(channel))
                                    await wake()
                                    for try await notification in notifications {
                                        self.database.changes.post(.committed(channel, subject: notification.payload))
                                        await wake()
                                    }
                                }
                            }
                        }
                        if outage { self.logger.info("listening for work again") }
                        outage = false
                        delay = .milliseconds(100)
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                database.changes.post(.deaf)
                if Task.isCancelled || Database.isCancellation(error) { return }
                if !outage {
                    logger.warning(
                        "listening for changes failed; workers look at their due times and every five minutes until it is back",
                        metadata: ["reason": .string(Database.reason(error))]
                    )
                }
                outage = true
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
