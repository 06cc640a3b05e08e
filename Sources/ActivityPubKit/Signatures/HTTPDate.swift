import Foundation

/// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, which we write, and the obsolete RFC 850 and
/// asctime forms, which a recipient must also read.
public enum HTTPDate {
    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        return formatter
    }

    /// `Wed, 20 Dec 2023 10:00:00 GMT`.
    public static func string(from date: Date) -> String {
        formatter("EEE, dd MMM yyyy HH:mm:ss 'GMT'").string(from: date)
    }

    public static func date(from string: String) -> Date? {
        let text = string.trimmingCharacters(in: .whitespaces)
        guard text.count <= 64 else { return nil }
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            if let date = formatter(format).date(from: text) { return date }
        }
        return nil
    }
}
