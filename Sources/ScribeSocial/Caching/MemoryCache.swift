import Foundation
import Synchronization

/// A small in-process cache with a time to live: what the inbox asks on every request (a
/// signer's verified key, the blocked domains) is answered from memory instead of a query.
///
/// Guarantees: an entry is never served past its time to live, so a change made by another
/// process is seen within that time (this process's own changes remove the entry at once); at
/// most `capacity` entries are kept, the oldest dropped first.
final class MemoryCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])
    let timeToLive: Duration
    let capacity: Int

    init(timeToLive: Duration, capacity: Int) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    subscript(key: Key) -> Value? {
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

    func set(_ value: Value, for key: Key) {
        let expires = ContinuousClock.now + timeToLive
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil, let oldest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
                entries[oldest] = nil
            }
            entries[key] = Entry(value: value, expires: expires)
        }
    }

    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    func removeAll(where shouldRemove: (Key, Value) -> Bool = { _, _ in true }) {
        entries.withLock { entries in
            entries = entries.filter { !shouldRemove($0.key, $0.value.value) }
        }
    }
}
