import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where log lines leave the process: appended to a buffer under a lock (a copy of a few
/// hundred bytes), and written to a file descriptor by a thread of its own. No request waits on
/// `write(2)`, and an event loop never blocks on a slow or full pipe.
///
/// Guarantees: lines are written whole and in the order they were appended; ``flush()``
/// returns once everything appended before it is written (the handler flushes after an error
/// and at exit); at most ``capacity`` bytes wait, and lines beyond it are counted and reported
/// in one line rather than held without bound when nobody reads the pipe.
final class LogWriter: @unchecked Sendable {
    /// The process's standard error, flushed at exit.
    static let standardError: LogWriter = {
        let writer = LogWriter(descriptor: 2)
        atexit { LogWriter.standardError.flush() }
        return writer
    }()

    /// The most bytes that wait to be written: 8 MiB, some tens of thousands of lines.
    static let capacity = 8 << 20
    /// How long lines gather after the first wakes the writer, in microseconds (2 ms).
    static let gathering: UInt32 = 2_000

    private let descriptor: Int32
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var waiting: [UInt8] = []
    private var dropped = 0
    private var writing = false
    /// Whether the writer's thread waits for lines: only then does an append wake it.
    private var idle = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
        waiting.reserveCapacity(64 << 10)
        let thread = Thread { self.run() }
        thread.name = "scribe-log-writer"
        thread.start()
    }

    /// Queues one line (with its newline) to be written.
    func append(_ line: [UInt8]) {
        condition.lock()
        if waiting.count + line.count > Self.capacity {
            dropped += 1
        } else {
            waiting.append(contentsOf: line)
        }
        // Broadcast: a flush may be waiting on the same condition, and must not take the wake-up.
        if idle { condition.broadcast() }
        condition.unlock()
    }

    /// Waits until every line appended before the call has been written.
    func flush() {
        condition.lock()
        while !waiting.isEmpty || dropped > 0 || writing { condition.wait() }
        condition.unlock()
    }

    private func run() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 << 10)
        while true {
            condition.lock()
            if waiting.isEmpty && dropped == 0 {
                while waiting.isEmpty && dropped == 0 {
                    idle = true
                    condition.wait()
                }
                idle = false
                // Woken by a first line: let the lines that follow it gather for a moment, so a
                // busy server wakes this thread a few hundred times a second, not once a line.
                condition.unlock()
                usleep(Self.gathering)
                condition.lock()
            }
            swap(&batch, &waiting)
            let lost = dropped
            dropped = 0
            writing = true
            condition.unlock()

            if lost > 0 {
                batch += Array(
                    "{\"level\":\"warning\",\"logger\":\"scribe\",\"message\":\"log lines dropped: nobody read them in time\",\"lines\":\"\(lost)\"}\n"
                        .utf8
                )
            }
            write(batch)
            batch.removeAll(keepingCapacity: true)

            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Writes all of `bytes`, retrying short writes and interruptions; gives up on any other error
    /// (a closed descriptor: the lines have nowhere to go).
    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard var base = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let written = Glibc.write(descriptor, base, left)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return
                }
                left -= written
                base += written
            }
        }
    }
}
