import Foundation
import ScribeContracts
import ScribeCore
import ScribeServer
import ScribeSocial
import ScribeTestSupport
import Testing

/// Scribe against a fediverse server that is not ours: `scripts/fediverse_peer.py`, built on
/// the apsig library from PyPI. `scripts/test` installs it and sets `SCRIBE_PYTHON`; without it
/// this test is skipped, never passed.
@Suite("An independent fediverse implementation follows a Scribe user", .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil))
struct IndependentPeerTests {
    @Test("it WebFingers the user, fetches the actor, follows, and verifies our signed Accept and the Create of a published character")
    func followAndReceive() async throws {
        try await withTestInstance(host: "127.0.0.7") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] ?? "/usr/bin/python3")
            process.arguments = [TestPaths.packageRoot + "/scripts/fediverse_peer.py", "--handle", "alice@\(instance.domain)", "--timeout", "60"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            var lines: [String] = []
            var published = false
            for await line in Self.lines(of: output.fileHandleForReading) {
                lines.append(line)
                if line == "FOLLOWED" && !published {
                    let character = try await instance.application.core.characters.create(
                        CharacterCard(data: ["name": .string("Lantern Keeper"), "description": .string("Keeps the last light.")]), for: alice)
                    _ = try await instance.application.core.characters.setVisibility(character.id, to: .public, for: alice)
                    published = true
                }
            }
            process.waitUntilExit()
            let report = try #require(lines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }, "\(lines)")
            #expect(report["webfinger"] as? Bool == true)
            #expect(report["actor"] as? Bool == true)
            #expect(report["follow_status"] as? Int == 202)
            #expect(report["accept_verified"] as? Bool == true)
            #expect(report["create_verified"] as? Bool == true)
            #expect(report["note_name"] as? String == "Lantern Keeper")
            #expect(process.terminationStatus == 0)
        }
    }

    /// The lines a process writes, as they come (read by a dispatch handler, not a blocked thread).
    static func lines(of handle: FileHandle) -> AsyncStream<String> {
        AsyncStream { continuation in
            let buffer = LineBuffer()
            handle.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    for line in buffer.flush() { continuation.yield(line) }
                    continuation.finish()
                } else {
                    for line in buffer.append(data) { continuation.yield(line) }
                }
            }
        }
    }

    final class LineBuffer: @unchecked Sendable {
        private let lock = NSLock()
        private var pending = Data()

        func append(_ data: Data) -> [String] {
            lock.withLock {
                pending.append(data)
                var lines: [String] = []
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending = Data(pending[pending.index(after: newline)...])
                }
                return lines
            }
        }

        func flush() -> [String] {
            lock.withLock {
                defer { pending = Data() }
                return pending.isEmpty ? [] : [String(decoding: pending, as: UTF8.self)]
            }
        }
    }
}
