import ScribeStorage
import Testing

@Suite("MemoryCache")
struct MemoryCacheTests {
    @Test("an entry is served until its time to live has passed, never after; removing one forgets it at once")
    func timeToLive() async throws {
        let cache = MemoryCache<String, Int>(timeToLive: .seconds(2), capacity: 10)
        cache.set(1, for: "a")
        cache.set(2, for: "b")
        #expect(cache["a"] == 1 && cache["b"] == 2 && cache["c"] == nil)
        cache.remove("b")
        #expect(cache["b"] == nil)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(cache["a"] == nil)
    }

    @Test("a full cache keeps at most its capacity: expired entries go first, then the tenth closest to expiring")
    func capacity() async throws {
        let cache = MemoryCache<Int, Int>(timeToLive: .seconds(60), capacity: 100)
        for key in 0..<100 { cache.set(key, for: key) }
        #expect((0..<100).allSatisfy { cache[$0] == $0 })
        // Replacing a key that is there makes no room.
        cache.set(-5, for: 5)
        #expect(cache[0] == 0 && cache[5] == -5)

        // One more key: the ten set first (5 was set again, so 10 takes its place) go.
        cache.set(100, for: 100)
        let kept = (0...100).filter { cache[$0] != nil }
        #expect(kept.count == 91)
        #expect(kept == [5] + Array(11...100))
        // Room is made in tenths, not a key at a time: the next nine fit without another eviction.
        for key in 101..<110 { cache.set(key, for: key) }
        #expect((0...109).filter { cache[$0] != nil }.count == 100)
    }

    @Test("when everything has expired, a full cache drops only what has expired")
    func expiredFirst() async throws {
        let cache = MemoryCache<Int, Int>(timeToLive: .seconds(2), capacity: 10)
        for key in 0..<10 { cache.set(key, for: key) }
        try await Task.sleep(for: .milliseconds(2100))
        for key in 10..<20 { cache.set(key, for: key) }
        #expect((10..<20).allSatisfy { cache[$0] == $0 })
        #expect((0..<10).allSatisfy { cache[$0] == nil })
    }
}
