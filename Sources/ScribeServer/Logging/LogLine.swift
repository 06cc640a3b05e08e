import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One log record as the bytes of one line of JSON, built directly: no `JSONSerialization`, no
/// dictionary of `Any`, no date formatter (the time is written with `gmtime_r`). Keys are sorted, so a line reads the same however its metadata was gathered:
/// `{"hb.request.id":"…","level":"info","logger":"scribe","message":"request","time":"2026-12-07T04:00:04.123Z"}`.
///
/// Guarantees: the output is valid JSON whatever the strings hold (quotes, backslashes and
/// control characters are escaped; other text is kept as UTF-8, `/` unescaped); metadata named
/// like a fixed key replaces it, as before.
enum LogLine {
    /// A fixed field's value, or the time, written when its place in the sorted keys comes.
    private enum Field {
        case value(Logger.MetadataValue)
        case time
    }

    static func encode(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, at time: Date = Date()) -> [UInt8] {
        var fields: [(key: String, field: Field)] = [
            ("level", .value(.string(level.rawValue))), ("logger", .value(.string(label))), ("message", .value(.string(message))), ("time", .time),
        ]
        fields.removeAll { metadata[$0.key] != nil }
        fields += metadata.map { ($0.key, .value($0.value)) }
        fields.sort { $0.key < $1.key }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        for (index, entry) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            appendString(entry.key, to: &line)
            line.append(UInt8(ascii: ":"))
            switch entry.field {
            case .value(let value): appendValue(value, to: &line)
            case .time: appendTime(time, to: &line)
            }
        }
        line.append(UInt8(ascii: "}"))
        line.append(0x0A)
        return line
    }

    /// `"YYYY-MM-DDTHH:MM:SS.mmmZ"`, in UTC.
    static func appendTime(_ time: Date, to line: inout [UInt8]) {
        let milliseconds = Int((time.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        line.append(UInt8(ascii: "\""))
        appendDigits(Int(parts.tm_year) + 1900, count: 4, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), count: 2, to: &line)
        line.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), count: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), count: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), count: 2, to: &line)
        line.append(UInt8(ascii: "."))
        appendDigits(milliseconds % 1000, count: 3, to: &line)
        line += Array("Z\"".utf8)
    }

    private static func appendDigits(_ value: Int, count: Int, to line: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = max(0, value)
        while divisor > 0 {
            line.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func appendValue(_ value: Logger.MetadataValue, to line: inout [UInt8]) {
        switch value {
        case .string(let string): appendString(string, to: &line)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &line)
        case .array(let values):
            line.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendValue(element, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        case .dictionary(let values):
            line.append(UInt8(ascii: "{"))
            for (index, (key, element)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendString(key, to: &line)
                line.append(UInt8(ascii: ":"))
                appendValue(element, to: &line)
            }
            line.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`.
    static func appendString(_ string: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): line += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): line += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: line += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: line += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: line += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                line += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }
}
