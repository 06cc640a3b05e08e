import Crypto
import Foundation

/// draft-cavage-http-signatures, as Mastodon signs and verifies it:
/// `Signature: keyId="...",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="..."`.
enum DraftCavageSignature {
    struct Parsed: Sendable {
        var keyID: String
        var algorithm: String?
        var headers: [String]
        var signature: Data
        var created: Int64?
        var expires: Int64?
    }

    /// Parses the `Signature` header's comma-separated `name="value"` parameters. A repeated or
    /// missing `keyId`/`signature`, or text that is not that shape, is malformed.
    ///
    /// It works on the header's bytes: the header is ASCII by definition, and walking `Character`s
    /// (grapheme clusters) cost more than half of a whole verification.
    static func parse(_ header: String) throws(SignatureError) -> Parsed {
        let bytes = Array(header.utf8)
        var parameters: [String: String] = [:]
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while index < bytes.count {
            while index < bytes.count, isSpace(bytes[index]) || bytes[index] == UInt8(ascii: ",") { index += 1 }
            guard index < bytes.count else { break }
            guard let equals = bytes[index...].firstIndex(of: UInt8(ascii: "=")) else {
                throw SignatureError(.malformedHeader, "a Signature parameter has no value")
            }
            let name = String(decoding: bytes[index..<equals], as: UTF8.self).trimmingOptionalWhitespace.lowercased()
            index = equals + 1
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\\"), index < bytes.count {
                        value.append(bytes[index])
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else { throw SignatureError(.malformedHeader, "a Signature parameter's quoted value is not closed") }
            } else {
                let end = bytes[index...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.count
                value = Array(bytes[index..<end])
                while let last = value.last, isSpace(last) { value.removeLast() }
                while let first = value.first, isSpace(first) { value.removeFirst() }
                index = end
            }
            guard !name.isEmpty, parameters.updateValue(String(decoding: value, as: UTF8.self), forKey: name) == nil else {
                throw SignatureError(.malformedHeader, "the Signature parameter \(name) is empty or repeated")
            }
            guard parameters.count <= 16 else { throw SignatureError(.malformedHeader, "the Signature header has too many parameters") }
        }
        guard let keyID = parameters["keyid"], !keyID.isEmpty else { throw SignatureError(.malformedHeader, "the Signature header has no keyId") }
        guard let encoded = parameters["signature"], let signature = Data(base64Encoded: encoded), !signature.isEmpty else {
            throw SignatureError(.malformedHeader, "the Signature header has no base64 signature")
        }
        let headers = (parameters["headers"] ?? "date").lowercased().split(separator: " ").map(String.init)
        return Parsed(
            keyID: keyID,
            algorithm: parameters["algorithm"]?.lowercased(),
            headers: headers,
            signature: signature,
            created: parameters["created"].flatMap { Int64($0) },
            expires: parameters["expires"].flatMap { Int64($0) }
        )
    }

    /// The signing string: `name: value` per covered name, in order, joined by newlines.
    static func signingString(_ parsed: Parsed, request: SignedRequest, path: String) throws(SignatureError) -> String {
        var lines: [String] = []
        for name in parsed.headers {
            switch name {
            case "(request-target)": lines.append("(request-target): \(request.method.lowercased()) \(path)")
            case "(created)":
                guard let created = parsed.created else { throw SignatureError(.malformedHeader, "(created) is covered but has no value") }
                lines.append("(created): \(created)")
            case "(expires)":
                guard let expires = parsed.expires else { throw SignatureError(.malformedHeader, "(expires) is covered but has no value") }
                lines.append("(expires): \(expires)")
            default:
                guard let value = request.header(name) else { throw SignatureError(.missingHeader, "the signed header \(name) is missing") }
                lines.append("\(name): \(value)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The `Digest` value of a body: `SHA-256=<base64>`.
    static func digest(of body: Data) -> String {
        "SHA-256=" + Data(SHA256.hash(data: body)).base64EncodedString()
    }

    /// Prepares `request` to be signed as Mastodon signs: sets `Date` and `Digest` (when there is
    /// a body) and answers the signing string over `(request-target) host date [digest]`, and how
    /// to set `Signature` once the signature is made.
    static func prepare(_ request: inout SignedRequest, keyID: String, keyKind: SignatureKeyKind, date: Date) throws -> PendingSignature {
        request.setHeader("Date", HTTPDate.string(from: date))
        var headers = ["(request-target)", "host", "date"]
        if let body = request.body {
            request.setHeader("Digest", digest(of: body))
            headers.append("digest")
        }
        let parsed = Parsed(keyID: keyID, algorithm: nil, headers: headers, signature: Data([0]), created: nil, expires: nil)
        let algorithm = keyKind == .rsa ? "rsa-sha256" : "hs2019"
        let covered = headers.joined(separator: " ")
        return PendingSignature(message: Data(try signingString(parsed, request: request, path: request.path).utf8)) { request, signature in
            request.setHeader(
                "Signature",
                "keyId=\"\(keyID)\",algorithm=\"\(algorithm)\",headers=\"\(covered)\",signature=\"\(signature.base64EncodedString())\""
            )
        }
    }
}
