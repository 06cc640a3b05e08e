import Foundation
import Synchronization

/// What one process hears about changes to what the database holds, for what it keeps in
/// memory: Social's document cache. ``DatabaseNotifications`` posts what every process commits
/// (a notification names the subject it changed); the code that writes posts, before its
/// commit, what it is about to change, so this process's own reads never see a stale copy
/// between its commit and its notification.
///
/// Guarantees: observers are called synchronously, in the order notices are posted, on the
/// poster's task; so an observer must be quick (a lock, a dictionary) and must not wait.
public final class ChangeNotices: Sendable {
    public enum Notice: Sendable, Equatable {
        /// The listening connection is up, (again) hearing `channel`: whatever changed before,
        /// unheard, may have changed.
        case listening(DatabaseNotifications.Channel)
        /// The listening connection was lost: changes committed elsewhere go unheard until
        /// `listening` again.
        case deaf
        /// A transaction, in any process, committed a change to `subject` ("user:<uuid>",
        /// "character:<uuid>": what the channel's trigger names).
        case committed(DatabaseNotifications.Channel, subject: String)
        /// This process is about to commit a change to `subject`; a `committed` follows if it does.
        case pending(DatabaseNotifications.Channel, subject: String)
    }

    private let observers = Mutex<[@Sendable (Notice) -> Void]>([])

    public init() {}

    public func observe(_ observer: @escaping @Sendable (Notice) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    public func post(_ notice: Notice) {
        for observer in observers.withLock({ $0 }) { observer(notice) }
    }

    /// How triggers and writers name a subject: its kind and its id, as PostgreSQL prints a uuid.
    public static func subject(_ kind: String, _ id: UUID) -> String {
        "\(kind):\(id.uuidString.lowercased())"
    }
}
