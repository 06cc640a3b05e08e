#if canImport(Glibc)
import Crypto
import Foundation
import Glibc
import ScribeContracts
#endif

/// The server's master keys: they wrap publication keys and actors' signing keys, never
/// users' DEKs. Each wrap records the id of the key that made it, so keys can be rotated: a new
/// key becomes current and old wraps are re-wrapped without re-encrypting what they protect.
///
/// The keys come from `SCRIBE_MASTER_KEY` and/or the key file `master.key` in the data
/// directory (mode 0600, one base64 key per line, the last line current), which the server
/// creates when no key is configured.
public struct MasterKeyring: Sendable {
    public struct Key: Sendable {
        /// The first 8 bytes of the key's SHA-256, in hex: names the key without revealing it.
        public let id: String
        let key: SymmetricKey

        init(_ key: SymmetricKey) {
            self.key = key
            self.id = key.withUnsafeBytes { Data(SHA256.hash(data: $0)).prefix(8).map { String(format: "%02x", $0) }.joined() }
        }
    }

    /// The key new wraps use.
    public let current: Key
    private let byID: [String: Key]

    /// A keyring whose last key is current.
    public init(keys: [SymmetricKey]) throws(CoreError) {
        guard let last = keys.last else { throw CoreError(.corrupted, "a master keyring needs at least one key") }
        current = Key(last)
        byID = Dictionary(keys.map { (Key($0).id, Key($0)) }, uniquingKeysWith: { first, _ in first })
    }

    public var keyIDs: [String] { byID.keys.sorted() }

    /// This keyring with `key` added as the current key; the others still open what they wrapped.
    public func adding(_ key: SymmetricKey) throws(CoreError) -> MasterKeyring {
        try MasterKeyring(keys: byID.values.filter { $0.id != current.id }.map(\.key) + [current.key, key])
    }

    func key(id: String) throws(CoreError) -> SymmetricKey {
        guard let key = byID[id]?.key else {
            throw CoreError(.corrupted, "master key \(id) is not configured; it is needed to open a publication")
        }
        return key
    }

    // MARK: The key file

    public static let fileName = "master.key"

    /// The keys for a server: those in the data directory's key file (created with one new key
    /// when there is neither a file nor a configured key), then the configured key, which is then
    /// current. The file is written with mode 0600 in a directory only the server's user reads.
    public static func load(configured: Data?, dataDirectory: String) throws(CoreError) -> MasterKeyring {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        var keys = try readFile(path)
        if keys.isEmpty && configured == nil {
            try FileManager.default.createDirectoryIfNeeded(dataDirectory)
            keys = try createFile(path, keys: [SymmetricKey(size: .bits256)])
        }
        if let configured {
            guard configured.count == 32 else { throw CoreError(.corrupted, "the configured master key is not 32 bytes") }
            keys.append(SymmetricKey(data: configured))
        }
        return try MasterKeyring(keys: keys)
    }

    /// Appends a new random key to the data directory's key file, making it current in the file,
    /// and returns the server's keyring with it. Older keys stay, so whatever they wrap (and any
    /// server still running with them) keeps working.
    public static func addingNewKey(dataDirectory: String) throws(CoreError) -> MasterKeyring {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        try FileManager.default.createDirectoryIfNeeded(dataDirectory)
        try writeFile(path, keys: try readFile(path) + [SymmetricKey(size: .bits256)])
        return try load(configured: nil, dataDirectory: dataDirectory)
    }

    static func readFile(_ path: String) throws(CoreError) -> [SymmetricKey] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CoreError(.corrupted, "the master key file \(path) cannot be read")
        }
        return try text.split(whereSeparator: \.isNewline).map { line throws(CoreError) in
            guard let bytes = Data(base64Encoded: line.trimmingCharacters(in: .whitespaces)), bytes.count == 32 else {
                throw CoreError(.corrupted, "the master key file \(path) holds a line that is not a 32-byte base64 key")
            }
            return SymmetricKey(data: bytes)
        }
    }

    /// Replaces the key file with `keys`, atomically.
    static func writeFile(_ path: String, keys: [SymmetricKey]) throws(CoreError) {
        let temporary = try writeTemporaryFile(beside: path, keys: keys)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CoreError(.corrupted, "the master key file \(path) cannot be written")
        }
    }

    /// Creates the key file with `keys` unless it exists, and returns the keys the file holds.
    /// Of servers starting at once on a new data directory, one creates it and the others read
    /// it: each writing its own would leave some encrypting under a key the file no longer holds.
    static func createFile(_ path: String, keys: [SymmetricKey]) throws(CoreError) -> [SymmetricKey] {
        let temporary = try writeTemporaryFile(beside: path, keys: keys)
        defer { unlink(temporary) }
        // link(2) creates the name only if nothing has it, and the file is whole when it appears.
        if link(temporary, path) == 0 { return keys }
        guard errno == EEXIST else { throw CoreError(.corrupted, "the master key file \(path) cannot be written") }
        return try readFile(path)
    }

    /// A new file of its own (never another process's) beside `path`, mode 0600, holding `keys`.
    private static func writeTemporaryFile(beside path: String, keys: [SymmetricKey]) throws(CoreError) -> String {
        let text = keys.map { $0.withUnsafeBytes { Data($0).base64EncodedString() } }.joined(separator: "\n") + "\n"
        let temporary = path + ".new-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CoreError(.corrupted, "the master key file \(path) cannot be written")
        }
        return temporary
    }
}

extension FileManager {
    fileprivate func createDirectoryIfNeeded(_ path: String) throws(CoreError) {
        do {
            try createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CoreError(.corrupted, "cannot create the data directory \(path)")
        }
    }
}
