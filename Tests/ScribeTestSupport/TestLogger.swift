import Foundation
import Logging

/// Loggers for tests: quiet unless `SCRIBE_TEST_LOG_LEVEL` asks for more.
public enum TestLogger {
    public static func make(_ label: String) -> Logger {
        var logger = Logger(label: "scribe.test.\(label)")
        logger.logLevel = ProcessInfo.processInfo.environment["SCRIBE_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }
}
