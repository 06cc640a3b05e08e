import Foundation
import ScribeContracts
import ZIPFoundation

/// Character cards in CHARX files: a zip with the V3 card as `card.json` at its root and assets
/// referenced from the card as `embeded://path` (the V3 specification's spelling).
///
/// Reading is bounded against hostile archives: `card.json` may be at most 5 MiB and the avatar
/// 10 MiB, counted while decompressing (a zip's declared sizes can lie), and a damaged or
/// encrypted archive is refused. Only `card.json` and the main icon are read; nothing is written
/// to disk (see ``openForReading(_:)``).
public enum CHARXCard {
    static let maximumCardSize = 5 * 1_048_576
    static let maximumAvatarSize = 10 * 1_048_576
    /// Where an exported CHARX keeps the avatar, in the layout the specification recommends.
    static let avatarPath = "assets/icon/images/main.png"

    /// Whether the bytes start like a zip archive.
    public static func isCHARX(_ bytes: Data) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// The card, and its main icon when that is an embedded PNG.
    public static func read(_ zip: Data) throws(CoreError) -> (card: CharacterCard, avatar: Data?) {
        let archive = try openForReading(zip)
        guard let cardEntry = archive["card.json"] else { throw CoreError.invalid("file", "This CHARX file has no card.json.") }
        let card = try CharacterCard.read(json: try extract(cardEntry, from: archive, limit: maximumCardSize))
        let icons = (card.data["assets"]?.arrayValue ?? []).compactMap(\.objectValue).filter { $0["type"] == .string("icon") }
        let main = icons.first { $0["name"] == .string("main") } ?? icons.first
        guard let uri = main?["uri"]?.stringValue, uri.hasPrefix("embeded://"), let entry = archive[String(uri.dropFirst("embeded://".count))] else {
            return (card, nil)
        }
        let image = try extract(entry, from: archive, limit: maximumAvatarSize)
        return (card, PNGCard.isPNG(image) ? image : nil)
    }

    /// A CHARX archive of `card`, with `avatar` as its main icon.
    public static func write(_ card: CharacterCard, avatar: Data?) throws(CoreError) -> Data {
        var card = card
        if avatar != nil {
            var assets = (card.data["assets"]?.arrayValue ?? []).filter { asset in
                !(asset.objectValue?["type"] == .string("icon") && asset.objectValue?["name"] == .string("main"))
            }
            assets.insert(
                .object(["type": .string("icon"), "uri": .string("embeded://" + avatarPath), "name": .string("main"), "ext": .string("png")]),
                at: 0
            )
            card.data["assets"] = .array(assets)
        }
        do {
            let archive = try Archive(accessMode: .create)
            var files = [("card.json", card.v3JSON())]
            if let avatar { files.append((avatarPath, avatar)) }
            for (path, bytes) in files {
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw CoreError(.corrupted, "the CHARX archive was not produced") }
            return data
        } catch let error as CoreError {
            throw error
        } catch {
            throw CoreError(.corrupted, "the CHARX archive could not be written")
        }
    }

    /// Opens `zip` for reading through a file, never through ZIPFoundation's in-memory archive:
    /// that one traps when a damaged archive points past its end, which a file read simply
    /// reports (found by `scripts/fuzz`, target `charx-card`). The file lives in `/dev/shm`
    /// (memory, not disk) where there is one, readable by this process only, and is unlinked as
    /// soon as it is open: the card never rests anywhere unencrypted.
    private static func openForReading(_ zip: Data) throws(CoreError) -> Archive {
        let directory = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = (directory as NSString).appendingPathComponent("scribe-charx-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: path, contents: zip, attributes: [.posixPermissions: 0o600]) else {
            throw CoreError(.unavailable, "the CHARX file could not be opened")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            return try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw CoreError.invalid("file", "This CHARX file is not a readable zip archive.")
        }
    }

    /// An entry's bytes, refusing more than `limit` while decompressing.
    private static func extract(_ entry: Entry, from archive: Archive, limit: Int) throws(CoreError) -> Data {
        struct TooLarge: Error {}
        guard entry.type == .file else { throw CoreError.invalid("file", "\(entry.path) in this CHARX file is not a file.") }
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= limit else { throw TooLarge() }
                data.append(chunk)
            }
        } catch is TooLarge {
            throw CoreError.invalid("file", "\(entry.path) in this CHARX file is larger than \(limit / 1_048_576) MiB.")
        } catch {
            throw CoreError.invalid("file", "\(entry.path) in this CHARX file is damaged.")
        }
        return data
    }
}
