import Foundation

/// The one JSON configuration of the HTTP API: ISO-8601 dates, sorted keys (stable output for
/// caches and tests), no escaped slashes (URLs stay readable).
public enum ScribeJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
