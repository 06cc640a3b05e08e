import Foundation

/// The recovery phrase shown once at registration: 20 random bytes (160 bits) written as eight
/// groups of four Crockford base32 characters, `7K3Q-M9XW-...`, easy to copy by hand. Entry is
/// forgiving: case, spaces and dashes are ignored and the look-alikes I, L and O read as 1, 1, 0.
public struct RecoveryPhrase: Sendable, Equatable, CustomStringConvertible {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// The canonical form: 32 characters, no separators. This is what the KDF derives from.
    public let normalized: String

    public static func generate() -> RecoveryPhrase {
        let bytes = randomBytes(20)
        var bits = 0
        var value = 0
        var characters: [Character] = []
        for byte in bytes {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                characters.append(alphabet[(value >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        return RecoveryPhrase(normalized: String(characters))
    }

    init(normalized: String) { self.normalized = normalized }

    /// Reads what a person typed; nil if it cannot be a phrase.
    public init?(typed: String) {
        var characters: [Character] = []
        for character in typed.uppercased() where character != "-" && !character.isWhitespace {
            let mapped: Character
            switch character {
            case "I", "L": mapped = "1"
            case "O": mapped = "0"
            default: mapped = character
            }
            guard Self.alphabet.contains(mapped) else { return nil }
            characters.append(mapped)
        }
        guard characters.count == 32 else { return nil }
        normalized = String(characters)
    }

    /// The grouped form to show: `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`.
    public var description: String {
        stride(from: 0, to: 32, by: 4).map { offset in
            let start = normalized.index(normalized.startIndex, offsetBy: offset)
            return String(normalized[start..<normalized.index(start, offsetBy: 4)])
        }.joined(separator: "-")
    }
}
