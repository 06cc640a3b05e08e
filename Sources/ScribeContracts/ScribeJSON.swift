import Foundation

/// The one JSON configuration of the server: ISO-8601 dates, sorted keys (stable output for
/// caches and tests), no escaped slashes (URLs stay readable).
///
/// The internal API between Scribe's own processes uses the same coder with exact dates
/// (`exactDates`), so a value read through `CoreAPI` over HTTP is the value Core holds, to the
/// microsecond PostgreSQL keeps, and not one rounded to the second.
public enum ScribeJSON {
    public static func encoder(exactDates: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = exactDates ? .deferredToDate : .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder(exactDates: Bool = false) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = exactDates ? .deferredToDate : .iso8601
        return decoder
    }
}
