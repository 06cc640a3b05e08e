import CLibGD
import Foundation

/// Smaller copies of PNG and JPEG images for pages: a card in a grid wants a few kilobytes, not
/// the half-megabyte original.
///
/// libgd decodes and resamples (bicubic); the copy is encoded as WebP and, when the image has
/// no transparency, as JPEG too, and the smaller of the two is kept. Never larger than the
/// source: a narrower image keeps its width.
///
/// Guarantees: only PNG and JPEG sources are read, recognised by their bytes; a source whose
/// header claims more than ``maximumPixels`` is refused before it is decoded (a small file can
/// name an enormous canvas); the result is a new file with nothing of the source's metadata (no
/// text chunks, so no embedded character card, no EXIF).
public enum Thumbnail {
    /// The widths pages ask for: a grid card at 1× and 2× (160, 320), an item's art at 1× and 2×
    /// (320, 640, also a link preview's), an avatar (96) and a profile's header across a wide
    /// page (1280).
    public static let widths = [96, 160, 320, 640, 1280]
    /// The largest canvas decoded: 40 megapixels (8000 × 5000), 160 MB as libgd holds it.
    public static let maximumPixels = 40_000_000

    /// A thumbnail: its bytes, media type and size.
    public struct Image: Sendable, Equatable {
        public var bytes: Data
        public var contentType: String
        public var width: Int
        public var height: Int
    }

    /// A copy of `source` at most `width` pixels wide, or nil when `source` is not a PNG or JPEG
    /// libgd can read, or is too large a canvas.
    public static func make(from source: Data, width: Int) -> Image? {
        make(from: source, width: width, formats: [.webp, .jpeg])
    }

    enum Format { case webp, jpeg }

    /// The same, choosing among `formats` only.
    /// WebP at 70 and JPEG at 75: a 160-pixel card of detailed art is about 9 KB, so a page of
    /// thirty stays under 300 KB.
    static func make(from source: Data, width: Int, formats: Set<Format>, webpQuality: Int32 = 70, jpegQuality: Int32 = 75) -> Image? {
        guard width > 0, let original = decoded(source) else { return nil }
        defer { gdImageDestroy(original) }
        let targetWidth = min(width, Int(original.pointee.sx))
        let targetHeight = max(1, Int((Double(original.pointee.sy) * Double(targetWidth) / Double(original.pointee.sx)).rounded()))
        guard let resized = gdImageCreateTrueColor(Int32(targetWidth), Int32(targetHeight)) else { return nil }
        defer { gdImageDestroy(resized) }
        gdImageAlphaBlending(resized, 0)
        gdImageSaveAlpha(resized, 1)
        gdImageCopyResampled(resized, original, 0, 0, 0, 0, Int32(targetWidth), Int32(targetHeight), original.pointee.sx, original.pointee.sy)

        var candidates: [(Data, String)] = []
        if formats.contains(.webp), let webp = encoded({ gdImageWebpPtrEx(resized, $0, webpQuality) }) { candidates.append((webp, "image/webp")) }
        if formats.contains(.jpeg), !hasTransparency(resized), let jpeg = encoded({ gdImageJpegPtr(resized, $0, jpegQuality) }) {
            candidates.append((jpeg, "image/jpeg"))
        }
        guard let (smallest, type) = candidates.min(by: { $0.0.count < $1.0.count }) else { return nil }
        return Image(bytes: smallest, contentType: type, width: targetWidth, height: targetHeight)
    }

    /// A PNG or JPEG image as a PNG of the same size, for what is kept as PNG (a character's
    /// art, which a PNG card embeds); nil when libgd cannot read it or the canvas is too large.
    /// A PNG comes back as it was.
    public static func png(from source: Data) -> Data? {
        if isPNG(source) { return dimensions(of: source).map { $0.width * $0.height <= maximumPixels } == true ? source : nil }
        guard let image = decoded(source) else { return nil }
        defer { gdImageDestroy(image) }
        return encoded { gdImagePngPtr(image, $0) }
    }

    /// The image libgd reads from a PNG or JPEG within ``maximumPixels`` (the caller destroys it).
    private static func decoded(_ source: Data) -> gdImagePtr? {
        guard let (width, height) = dimensions(of: source), width > 0, height > 0, width * height <= maximumPixels else { return nil }
        var bytes = source
        return bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return isPNG(source) ? gdImageCreateFromPngPtr(Int32(buffer.count), base) : gdImageCreateFromJpegPtrEx(Int32(buffer.count), base, 1)
        }
    }

    /// The bytes an encoder returns, freed with `gdFree` as libgd asks.
    private static func encoded(_ encode: (UnsafeMutablePointer<Int32>) -> UnsafeMutableRawPointer?) -> Data? {
        var size: Int32 = 0
        guard let pointer = encode(&size), size > 0 else { return nil }
        defer { gdFree(pointer) }
        return Data(bytes: pointer, count: Int(size))
    }

    private static func hasTransparency(_ image: gdImagePtr) -> Bool {
        guard image.pointee.trueColor != 0, let rows = image.pointee.tpixels else { return false }
        for y in 0..<Int(image.pointee.sy) {
            guard let row = rows[y] else { continue }
            for x in 0..<Int(image.pointee.sx) where (row[x] & 0x7F00_0000) != 0 { return true }
        }
        return false
    }

    // MARK: Reading a header

    static func isPNG(_ bytes: Data) -> Bool { bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) }
    static func isJPEG(_ bytes: Data) -> Bool { bytes.starts(with: [0xFF, 0xD8, 0xFF]) }

    /// The canvas a PNG's `IHDR` or a JPEG's first frame header names, without decoding.
    public static func dimensions(of bytes: Data) -> (width: Int, height: Int)? {
        let data = [UInt8](bytes.prefix(1 << 20))
        if isPNG(bytes) {
            // Signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
            guard data.count >= 24, data[12...15].elementsEqual(Array("IHDR".utf8)) else { return nil }
            return (Int(bigEndian: data[16...19]), Int(bigEndian: data[20...23]))
        }
        guard isJPEG(bytes) else { return nil }
        var index = 2
        while index + 9 < data.count {
            guard data[index] == 0xFF else { return nil }
            let marker = data[index + 1]
            if marker == 0xFF {
                index += 1
                continue
            }
            let length = Int(data[index + 2]) << 8 | Int(data[index + 3])
            // Start-of-frame markers (baseline, progressive, ...), not DHT, JPG or DAC.
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (Int(bigEndian: data[(index + 7)...(index + 8)]), Int(bigEndian: data[(index + 5)...(index + 6)]))
            }
            guard length >= 2 else { return nil }
            index += 2 + length
        }
        return nil
    }
}

extension Int {
    /// A big-endian unsigned integer from its bytes.
    fileprivate init(bigEndian bytes: ArraySlice<UInt8>) {
        self = bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
