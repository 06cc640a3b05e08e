import Crypto
import Foundation
import ScribeContracts

/// Where a ciphertext belongs: its table, row and column. It is the AES-GCM associated data, so
/// a ciphertext copied to another row or column fails to decrypt instead of being read as if it
/// belonged there.
public struct FieldBinding: Sendable, Equatable {
    public var table: String
    public var row: UUID
    public var column: String

    public init(table: String, row: UUID, column: String) {
        self.table = table
        self.row = row
        self.column = column
    }

    var associatedData: Data { Data("scribe:v1:\(table)/\(row.uuidString.lowercased())/\(column)".utf8) }
}

/// A value sealed with AES-256-GCM: the ciphertext with its 16-byte tag appended, and the
/// random 12-byte nonce, stored side by side (`<column>_ciphertext`, `<column>_nonce`) as the
/// original Scribe schema does.
public struct SealedValue: Sendable, Equatable {
    public var ciphertext: Data
    public var nonce: Data

    public init(ciphertext: Data, nonce: Data) {
        self.ciphertext = ciphertext
        self.nonce = nonce
    }
}

/// AES-256-GCM with a fresh random nonce per value and the value's ``FieldBinding`` as
/// associated data. Every private field, wrapped DEK and wrapped key goes through here.
public enum FieldCipher {
    public static func seal(_ plaintext: some DataProtocol, with key: SymmetricKey, binding: FieldBinding) throws(CoreError) -> SealedValue {
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: binding.associatedData)
            // A fresh Data, so indices start at zero (the box's ciphertext is a slice).
            var ciphertext = Data(box.ciphertext)
            ciphertext.append(contentsOf: box.tag)
            return SealedValue(ciphertext: ciphertext, nonce: Data(box.nonce))
        } catch {
            throw CoreError(.corrupted, "a value could not be encrypted")
        }
    }

    /// Decrypts; throws ``CoreError/Code/corrupted`` if the key, the binding or the bytes differ
    /// from those it was sealed with.
    public static func open(_ sealed: SealedValue, with key: SymmetricKey, binding: FieldBinding) throws(CoreError) -> Data {
        do {
            guard sealed.ciphertext.count >= 16 else { throw CoreError(.corrupted, "a stored value is truncated") }
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed.nonce),
                ciphertext: sealed.ciphertext.dropLast(16),
                tag: sealed.ciphertext.suffix(16)
            )
            return try AES.GCM.open(box, using: key, authenticating: binding.associatedData)
        } catch {
            throw CoreError(.corrupted, "a stored value could not be decrypted")
        }
    }

    /// Seals a key (a DEK, a publication key) under another.
    static func wrap(_ key: SymmetricKey, with wrappingKey: SymmetricKey, binding: FieldBinding) throws(CoreError) -> SealedValue {
        try seal(key.withUnsafeBytes { Data($0) }, with: wrappingKey, binding: binding)
    }

    static func unwrap(_ sealed: SealedValue, with wrappingKey: SymmetricKey, binding: FieldBinding) throws(CoreError) -> SymmetricKey {
        let bytes = try open(sealed, with: wrappingKey, binding: binding)
        guard bytes.count == 32 else { throw CoreError(.corrupted, "a stored key has the wrong length") }
        return SymmetricKey(data: bytes)
    }
}
