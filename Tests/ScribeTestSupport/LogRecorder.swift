import Logging
import Synchronization

/// Keeps every record logged through its loggers, for tests about what the server says: a stop
/// that logs no warning, a secret that never reaches a log line.
public final class LogRecorder: Sendable {
    public struct Record: Sendable, CustomStringConvertible {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
        public var description: String { "\(level) \(message) \(metadata)" }
    }

    private let stored = Mutex<[Record]>([])

    public init() {}

    /// A logger that records everything at `level` and above.
    public func logger(_ label: String, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    public var records: [Record] { stored.withLock { $0 } }

    /// The records at `level` or more severe.
    public func records(atLeast level: Logger.Level) -> [Record] { records.filter { $0.level >= level } }

    fileprivate func append(_ record: Record) { stored.withLock { $0.append(record) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(Record(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
        }
    }
}
