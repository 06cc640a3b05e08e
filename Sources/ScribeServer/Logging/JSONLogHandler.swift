import Foundation
import Logging

/// Writes each log record as one JSON object per line on standard error, so logs can be
/// shipped and queried without parsing prose:
/// `{"hb.request.id":"...","level":"info","logger":"scribe","message":"request","time":"..."}`.
///
/// Logging every request must cost little beside the request: the line is built as bytes
/// (``LogLine``) and handed to ``LogWriter``, whose own thread writes it, so no event loop waits
/// on standard error. An error or worse is flushed before `log` returns, so it is on its way
/// out before anything that follows it (a crash included).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let writer: LogWriter

    public init(label: String, level: Logger.Level) {
        self.init(label: label, level: level, writer: .standardError)
    }

    init(label: String, level: Logger.Level, writer: LogWriter) {
        self.label = label
        self.logLevel = level
        self.writer = writer
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged: Logger.Metadata
        if let own = event.metadata, !own.isEmpty {
            merged = metadata.isEmpty ? own : metadata.merging(own) { _, new in new }
        } else {
            merged = metadata
        }
        writer.append(LogLine.encode(level: event.level, label: label, message: event.message.description, metadata: merged))
        if event.level >= .error { writer.flush() }
    }

    /// Routes every `Logger` in the process to this handler at `level`. Call once, at start-up.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }
}
