import Foundation
import Logging
import Testing

@testable import ScribeServer

#if canImport(Glibc)
import Glibc
#endif

/// Log lines built as bytes and written off the event loop: still one valid JSON object per line,
/// keys sorted, every line out and in order.
@Suite("Log lines")
struct LoggingTests {
    @Test("a line is one JSON object with sorted keys, strings escaped, the time in UTC to the millisecond, and metadata beside the fixed keys")
    func lineIsJSON() throws {
        let time = Date(timeIntervalSince1970: 1_796_616_004.25)
        let metadata: Logger.Metadata = [
            "http.path": "/a/\"b\"\\c", "weird": .string("line\nbreak\ttab\u{01}é"), "nested": ["list": ["1", "two"]], "zeta": .stringConvertible(42),
        ]
        let bytes = LogLine.encode(level: .warning, label: "scribe", message: "a \"quoted\" message", metadata: metadata, at: time)
        #expect(bytes.last == 0x0A && bytes.filter { $0 == 0x0A }.count == 1)
        let text = String(decoding: bytes.dropLast(), as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning" && object["logger"] as? String == "scribe")
        #expect(object["message"] as? String == "a \"quoted\" message")
        #expect(object["http.path"] as? String == "/a/\"b\"\\c")
        #expect(object["weird"] as? String == "line\nbreak\ttab\u{01}é")
        #expect(object["zeta"] as? String == "42")
        #expect((object["nested"] as? [String: Any])?["list"] as? [String] == ["1", "two"])
        #expect(object["time"] as? String == "2026-12-07T04:00:04.250Z")
        // Sorted keys, compact, slashes as they are: what the operators' greps expect.
        #expect(text.hasPrefix("{\"http.path\":\"/a/\\\"b\\\"\\\\c\",\"level\":\"warning\",\"logger\":\"scribe\",\"message\":"))
        #expect(text.contains(",\"time\":\"2026-12-07T04:00:04.250Z\",\"weird\":"))
    }

    @Test("metadata named like a fixed key replaces it")
    func metadataWins() throws {
        let bytes = LogLine.encode(level: .info, label: "scribe", message: "m", metadata: ["logger": "other", "time": "then"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes.dropLast())) as? [String: Any])
        #expect(object["logger"] as? String == "other" && object["time"] as? String == "then")
    }

    @Test("the writer's thread writes every line whole and in order; flush returns once they are out")
    func writerKeepsOrder() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        defer { close(readEnd) }
        let writer = LogWriter(descriptor: writeEnd)
        // Read while writing, as a pipe's reader must, or the writer waits on a full pipe.
        let reader = Task.detached { @Sendable () -> [UInt8] in
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                all += buffer[0..<count]
            }
            return all
        }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for line in 0..<2_500 { writer.append(Array("{\"task\":\(task),\"line\":\(line)}\n".utf8)) }
                }
            }
        }
        writer.flush()
        close(writeEnd)
        let lines = String(decoding: await reader.value, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 10_000)
        for task in 0..<4 {
            let own = lines.filter { $0.hasPrefix("{\"task\":\(task),") }
            #expect(own == (0..<2_500).map { "{\"task\":\(task),\"line\":\($0)}"[...] })
        }
    }
}
