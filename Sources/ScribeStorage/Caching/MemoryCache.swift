import Foundation
import Synchronization

/// A small in-process cache with a time to live, for what is asked far more often than it
/// changes: the inbox's verified keys and blocked domains (Social), unsealed actor keys (Core).
///
/// Guarantees: an entry is never served past its time to live, so a change made by another
/// process is seen within that time (this process's own changes remove the entry at once); at
/// most `capacity` entries are kept. A full cache first drops what has expired, then the tenth
/// of its entries closest to expiring, so keeping it full costs a sort per tenth of `capacity`
/// new keys rather than a scan of every entry per key.
public final class MemoryCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])
    public let timeToLive: Duration
    public let capacity: Int

    public init(timeToLive: Duration, capacity: Int) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    public subscript(key: Key) -> Value? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func set(_ value: Value, for key: Key) {
        let expires = ContinuousClock.now + timeToLive
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { Self.makeRoom(in: &entries, capacity: capacity) }
            entries[key] = Entry(value: value, expires: expires)
        }
    }

    private static func makeRoom(in entries: inout [Key: Entry], capacity: Int) {
        let now = ContinuousClock.now
        entries = entries.filter { $0.value.expires > now }
        guard entries.count >= capacity else { return }
        let oldest = entries.sorted { $0.value.expires < $1.value.expires }.prefix(max(1, capacity / 10))
        for (key, _) in oldest { entries[key] = nil }
    }

    public func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    public func removeAll(where shouldRemove: (Key, Value) -> Bool = { _, _ in true }) {
        entries.withLock { entries in
            entries = entries.filter { !shouldRemove($0.key, $0.value.value) }
        }
    }
}
