import Foundation
import ScribeTestFixtures
import Testing

@testable import ScribeImages

@Suite("Thumbnails")
struct ThumbnailTests {
    @Test("a character card's art becomes a small image of the asked width, in proportion, without the card inside")
    func cardArt() throws {
        let card = try Fixtures.data("cards/seraphina.png")
        let thumbnail = try #require(Thumbnail.make(from: card, width: 160))
        #expect(thumbnail.width == 160 && thumbnail.height == 240)
        #expect(["image/webp", "image/jpeg"].contains(thumbnail.contentType))
        #expect(thumbnail.bytes.count < 10_000, "\(thumbnail.bytes.count) bytes")
        #expect(thumbnail.bytes.count < card.count / 20)
        // The card's text chunks stay behind.
        #expect(thumbnail.bytes.range(of: Data("chara".utf8)) == nil)
        // What it says it is.
        let riff = thumbnail.bytes.starts(with: Data("RIFF".utf8)) && thumbnail.bytes.dropFirst(8).starts(with: Data("WEBP".utf8))
        #expect(thumbnail.contentType == "image/webp" ? riff : Thumbnail.isJPEG(thumbnail.bytes))
        // Never wider than the source: 400 pixels stay 400.
        let wide = try #require(Thumbnail.make(from: card, width: 640))
        #expect(wide.width == 400 && wide.height == 600)
    }

    @Test("a JPEG is read too, and its frame header gives its size")
    func jpeg() throws {
        let card = try Fixtures.data("cards/seraphina.png")
        let source = try #require(Thumbnail.make(from: card, width: 320, formats: [.jpeg]))
        #expect(source.contentType == "image/jpeg" && Thumbnail.isJPEG(source.bytes))
        #expect(Thumbnail.dimensions(of: source.bytes)! == (320, 480))
        let again = try #require(Thumbnail.make(from: source.bytes, width: 96))
        #expect(again.width == 96 && again.height == 144)
    }

    @Test("transparency is kept: an image with transparent pixels is never made a JPEG")
    func transparency() throws {
        let disc = Self.png(width: 300, height: 200) { x, y in
            (x - 150) * (x - 150) + (y - 100) * (y - 100) < 90 * 90 ? [200, 60, 90, 255] : [0, 0, 0, 0]
        }
        #expect(Thumbnail.dimensions(of: disc)! == (300, 200))
        let thumbnail = try #require(Thumbnail.make(from: disc, width: 96))
        #expect(thumbnail.contentType == "image/webp" && thumbnail.width == 96 && thumbnail.height == 64)
        #expect(Thumbnail.make(from: disc, width: 96, formats: [.jpeg]) == nil)
    }

    @Test("what is not a PNG or JPEG, a truncated file, or a header naming an enormous canvas gives nothing")
    func refusals() throws {
        #expect(Thumbnail.make(from: Data("GIF89a".utf8), width: 96) == nil)
        #expect(Thumbnail.make(from: Data(), width: 96) == nil)
        let card = try Fixtures.data("cards/seraphina.png")
        #expect(Thumbnail.make(from: card.prefix(4096), width: 96) == nil)
        // 100,000 × 100,000 pixels claimed in a few bytes: refused before decoding.
        var bomb = card
        bomb.replaceSubrange(16..<24, with: [0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0])
        #expect(Thumbnail.dimensions(of: bomb)! == (100_000, 100_000))
        #expect(Thumbnail.make(from: bomb, width: 96) == nil)
        #expect(Thumbnail.make(from: card, width: 0) == nil)
    }

    /// A minimal RGBA PNG: stored (uncompressed) deflate blocks, so no compressor is needed.
    static func png(width: Int, height: Int, pixel: (Int, Int) -> [UInt8]) -> Data {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width { raw += pixel(x, y) }
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        while offset < raw.count {
            let block = Array(raw[offset..<min(offset + 65_535, raw.count)])
            offset += block.count
            let length = UInt16(block.count)
            zlib += [offset == raw.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)] + block
        }
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in raw {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        zlib += bytes(b << 16 | a)
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bytes(UInt32(body.count)) + typed + bytes(crc32(typed))
        }
        let header = bytes(UInt32(width)) + bytes(UInt32(height)) + [8, 6, 0, 0, 0]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", []))
    }

    static func bytes(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
