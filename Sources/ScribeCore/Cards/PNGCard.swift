import Foundation
import ScribeContracts

/// Character cards embedded in PNG images, as SillyTavern and the V3 specification write them:
/// base64 of the card's UTF-8 JSON in a `tEXt` chunk named `ccv3` (V3) and/or `chara` (V2).
///
/// Reading prefers `ccv3` over `chara` and matches the names case-insensitively, as SillyTavern
/// does. Parsing is bounded: a chunk that claims more bytes than the file has, a missing
/// signature or a missing end are errors, never crashes. Writing keeps every other chunk of the
/// image as it is and replaces any card chunks.
public enum PNGCard {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    struct Chunk {
        var type: String
        var body: Data
    }

    /// Whether the bytes start like a PNG.
    public static func isPNG(_ bytes: Data) -> Bool { bytes.starts(with: signature) }

    /// The card's JSON from a PNG.
    public static func cardJSON(in png: Data) throws(CoreError) -> Data {
        let chunks = try Self.chunks(of: png)
        var texts: [String: Data] = [:]
        for chunk in chunks where chunk.type == "tEXt" {
            guard let separator = chunk.body.firstIndex(of: 0) else { continue }
            let keyword = String(decoding: chunk.body[chunk.body.startIndex..<separator], as: UTF8.self).lowercased()
            texts[keyword] = chunk.body[(separator + 1)...]
        }
        guard let encoded = texts["ccv3"] ?? texts["chara"] else {
            throw CoreError.invalid("file", "This PNG holds no character card (no ccv3 or chara text chunk).")
        }
        guard let json = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !json.isEmpty else {
            throw CoreError.invalid("file", "This PNG's character card is not valid base64.")
        }
        return json
    }

    /// `image` with `card` embedded as `ccv3` (V3) and `chara` (V2 backfill), any previous card
    /// chunks removed, everything else unchanged.
    public static func embedding(_ card: CharacterCard, in image: Data) throws(CoreError) -> Data {
        var chunks = try Self.chunks(of: image).filter { !isCardChunk($0) }
        let cardChunks = [("chara", card.v2JSON()), ("ccv3", card.v3JSON())].map { keyword, json in
            Chunk(type: "tEXt", body: Data(keyword.utf8) + [0] + Data(json.base64EncodedString().utf8))
        }
        chunks.insert(contentsOf: cardChunks, at: chunks.count - 1)  // before IEND
        return try write(chunks)
    }

    /// The image without any card chunks: what is kept as a character's avatar, so an export
    /// embeds the card as it is then, not as it was at import.
    public static func removingCard(from png: Data) throws(CoreError) -> Data {
        try write(try chunks(of: png).filter { !isCardChunk($0) })
    }

    /// A 1×1 transparent PNG, for exporting a character that has no avatar.
    public static let blankImage = Data(
        base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
    )!

    static func isCardChunk(_ chunk: Chunk) -> Bool {
        guard chunk.type == "tEXt", let separator = chunk.body.firstIndex(of: 0) else { return false }
        let keyword = String(decoding: chunk.body[chunk.body.startIndex..<separator], as: UTF8.self).lowercased()
        return keyword == "chara" || keyword == "ccv3"
    }

    static func write(_ chunks: [Chunk]) throws(CoreError) -> Data {
        var output = Data(signature)
        for chunk in chunks {
            var length = UInt32(chunk.body.count).bigEndian
            output.append(Data(bytes: &length, count: 4))
            let typeAndBody = Data(chunk.type.utf8) + chunk.body
            output.append(typeAndBody)
            var crc = CRC32.checksum(typeAndBody).bigEndian
            output.append(Data(bytes: &crc, count: 4))
        }
        return output
    }

    /// The chunks of a PNG, checked for structure: signature, lengths within the file, an IHDR
    /// first and an IEND last.
    static func chunks(of png: Data) throws(CoreError) -> [Chunk] {
        let bytes = [UInt8](png)
        guard bytes.starts(with: signature) else { throw CoreError.invalid("file", "This file is not a PNG image.") }
        var chunks: [Chunk] = []
        var offset = signature.count
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else { throw CoreError.invalid("file", "This PNG is truncated.") }
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length <= bytes.count - offset - 12 else { throw CoreError.invalid("file", "This PNG is truncated or damaged.") }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard type.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else {
                throw CoreError.invalid("file", "This PNG is damaged (a chunk has an invalid type).")
            }
            chunks.append(Chunk(type: type, body: Data(bytes[(offset + 8)..<(offset + 8 + length)])))
            offset += 12 + length
            if type == "IEND" { break }
        }
        guard chunks.first?.type == "IHDR", chunks.last?.type == "IEND" else {
            throw CoreError.invalid("file", "This PNG is incomplete (it lacks its header or end).")
        }
        return chunks
    }
}

/// CRC-32 (ISO 3309, as PNG uses), table-driven.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }

    static func checksum(_ data: Data) -> UInt32 {
        ~data.reduce(UInt32.max) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}
