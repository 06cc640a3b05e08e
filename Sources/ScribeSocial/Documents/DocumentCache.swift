import Foundation
import ScribeStorage
import Synchronization

/// The documents other servers fetch most (actors, WebFinger, published `Note`s), kept per
/// process as the bytes served, so a fetch asks neither Core nor the database.
///
/// Each entry names the subjects it was made from ("user:<uuid>", "character:<uuid>"); the
/// database's notifications (``ChangeNotices``) name the subject each commit changed, in any
/// process, and the entries made from it are dropped.
///
/// Guarantees:
/// - a change committed by any process is out of every process's cache as soon as its
///   notification arrives: within milliseconds, and well within a second;
/// - a change this process makes is out before its transaction commits (the writer posts it as
///   pending), and nothing made from that subject is stored or served for two seconds after;
/// - a read that began before a change to one of its subjects never stores what it read after
///   the change's notice (notices are numbered; the store compares);
/// - while the listening connection is down (or before it is first up), nothing is served from
///   memory or stored: every fetch is made afresh;
/// - at most `byteBudget` bytes are held; past it, the oldest tenth of the entries goes;
///   every entry goes after `timeToLive` (a minute) regardless, as a last safety net: a
///   listening connection that died without either end noticing (a firewall that dropped it)
///   would otherwise leave a changed document served until the process restarts. A minute costs
///   one fresh read per document per minute.
final class DocumentCache: Sendable {
    /// A document as served, what it was made from, and (for an actor) its user.
    struct Document: Sendable {
        var bytes: Data
        var subjects: [String]
        var user: (id: UUID, username: String)?
    }

    private struct Entry {
        var document: Document
        var stored: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var keysBySubject: [String: Set<String>] = [:]
        var bytes = 0
        /// The number of the last notice heard.
        var generation: UInt64 = 0
        /// The notice that last changed each subject, for recent ones.
        var changed: [String: UInt64] = [:]
        /// Reads begun before this notice store nothing (the listener came or went, or
        /// `changed` was emptied).
        var floor: UInt64 = 0
        var listening: Set<DatabaseNotifications.Channel> = []
        /// Subjects this process is changing, until when their reads bypass the cache.
        var pendingUntil: [String: ContinuousClock.Instant] = [:]
    }

    /// The channels whose notifications name every change the cached documents depend on.
    static let channels: Set<DatabaseNotifications.Channel> = [.coreEvents, .socialDocuments]

    private let state = Mutex(State())
    let byteBudget: Int
    let timeToLive: Duration
    static let pendingTime = Duration.seconds(2)

    init(changes: ChangeNotices, byteBudget: Int = 16 << 20, timeToLive: Duration = .seconds(60)) {
        self.byteBudget = byteBudget
        self.timeToLive = timeToLive
        changes.observe { [weak self] notice in self?.hear(notice) }
    }

    /// The document at `key`: from memory when it may be, else made by `make` and kept if
    /// nothing it depends on changed meanwhile. `make` returning nil (a document not everyone
    /// may see, say) is passed on and kept nowhere.
    func document(for key: String, make: () async throws(SocialError) -> Document?) async throws(SocialError) -> Document? {
        let now = ContinuousClock.now
        let lookup: (hit: Document?, generation: UInt64?) = state.withLock { state in
            guard Self.channels.isSubset(of: state.listening) else { return (nil, nil) }
            if let entry = state.entries[key] {
                if now - entry.stored < timeToLive { return (entry.document, nil) }
                Self.remove(key, from: &state)
            }
            return (nil, state.generation)
        }
        if let hit = lookup.hit { return hit }
        guard let made = try await make() else { return nil }
        if let generation = lookup.generation { store(made, at: key, madeAt: generation) }
        return made
    }

    private func store(_ document: Document, at key: String, madeAt generation: UInt64) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard generation >= state.floor, Self.channels.isSubset(of: state.listening) else { return }
            guard !document.subjects.contains(where: { state.changed[$0, default: 0] > generation }) else { return }
            state.pendingUntil = state.pendingUntil.filter { $0.value > now }
            guard !document.subjects.contains(where: { state.pendingUntil[$0] != nil }) else { return }
            if state.entries[key] != nil { Self.remove(key, from: &state) }
            if state.bytes + document.bytes.count > byteBudget { Self.evictOldest(from: &state) }
            state.entries[key] = Entry(document: document, stored: now)
            state.bytes += document.bytes.count
            for subject in document.subjects { state.keysBySubject[subject, default: []].insert(key) }
        }
    }

    private func hear(_ notice: ChangeNotices.Notice) {
        state.withLock { state in
            switch notice {
            case .listening(let channel) where Self.channels.contains(channel):
                state.listening.insert(channel)
                Self.forgetEverything(&state)
            case .deaf:
                state.listening.removeAll()
                Self.forgetEverything(&state)
            case .committed(let channel, let subject) where Self.channels.contains(channel):
                Self.changed(subject, in: &state)
            case .pending(let channel, let subject) where Self.channels.contains(channel):
                state.pendingUntil[subject] = .now + Self.pendingTime
                Self.changed(subject, in: &state)
            default:
                break
            }
        }
    }

    private static func changed(_ subject: String, in state: inout State) {
        state.generation += 1
        if state.changed.count >= 4096 {
            state.changed.removeAll()
            state.floor = state.generation
        }
        state.changed[subject] = state.generation
        drop(subject, from: &state)
    }

    private static func forgetEverything(_ state: inout State) {
        state.generation += 1
        state.floor = state.generation
        state.changed.removeAll()
        removeAll(from: &state)
    }

    /// How many documents are held, and their bytes (for tests and metrics).
    var size: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.bytes) }
    }

    private static func drop(_ subject: String, from state: inout State) {
        guard let keys = state.keysBySubject.removeValue(forKey: subject) else { return }
        for key in keys { remove(key, from: &state) }
    }

    private static func remove(_ key: String, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: key) else { return }
        state.bytes -= entry.document.bytes.count
        for subject in entry.document.subjects {
            state.keysBySubject[subject]?.remove(key)
            if state.keysBySubject[subject]?.isEmpty == true { state.keysBySubject[subject] = nil }
        }
    }

    private static func removeAll(from state: inout State) {
        state.entries.removeAll()
        state.keysBySubject.removeAll()
        state.bytes = 0
    }

    private static func evictOldest(from state: inout State) {
        let oldest = state.entries.sorted { $0.value.stored < $1.value.stored }.prefix(max(1, state.entries.count / 10))
        for (key, _) in oldest { remove(key, from: &state) }
    }
}
