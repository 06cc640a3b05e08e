import Foundation
import HTTPTypes
import ScribeContracts

/// A value Mastodon always sends, as `null` when absent: strict apps read the key, so an entity
/// never leaves one out.
@propertyWrapper
struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// Dates as Mastodon writes them: RFC 3339 in UTC with milliseconds (`2025-10-29T11:11:33.000Z`).
enum MastodonDate {
    static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds / 1000
        let fraction = Int(milliseconds % 1000 + (milliseconds < 0 ? 1000 : 0))
        var time = time_t(seconds - (milliseconds < 0 && fraction != 0 ? 1 : 0))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            fraction
        )
    }

    /// Midnight of the day, as `Account.created_at` is cut.
    static func day(_ date: Date) -> String {
        string(Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400))
    }
}
