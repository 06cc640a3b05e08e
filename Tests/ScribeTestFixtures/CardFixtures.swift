import Foundation

/// The character card and World Info fixtures, and what an independent reader (Foundation's
/// JSON parser, a few lines of PNG walking) sees in them, for tests that compare our readers'
/// and writers' results with the files as their authors wrote them.
extension Fixtures {
    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// SillyTavern's Seraphina: a V2 card in a PNG `tEXt` chunk.
    public static var seraphinaPNG: Data { get throws { try data("cards/seraphina.png") } }

    /// SillyTavern's Eldoria World Info file.
    public static var eldoriaWorldInfo: Data { get throws { try data("cards/eldoria-worldinfo.json") } }

    /// A card's `data` object as Foundation's JSON parser reads it.
    public static func cardData(_ json: Data) throws -> NSDictionary {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any], let data = root["data"] as? NSDictionary else {
            throw Unreadable(description: "not a card with a data object")
        }
        return data
    }

    /// Seraphina's original `chara` chunk, extracted without our PNG code.
    public static func seraphinaCardJSON() throws -> Data {
        let bytes = [UInt8](try seraphinaPNG)
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self) == "tEXt" {
                let body = bytes[(offset + 8)..<(offset + 8 + length)]
                guard let zero = body.firstIndex(of: 0), let json = Data(base64Encoded: Data(body[(zero + 1)...])) else { break }
                return json
            }
            offset += 12 + length
        }
        throw Unreadable(description: "no tEXt chunk in seraphina.png")
    }

    /// The entries of a World Info file as Foundation's JSON parser reads them, by uid.
    public static func worldInfoEntries(_ json: Data) throws -> [String: NSDictionary] {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any], let entries = root["entries"] as? [String: NSDictionary]
        else {
            throw Unreadable(description: "not a World Info file")
        }
        return entries
    }
}
