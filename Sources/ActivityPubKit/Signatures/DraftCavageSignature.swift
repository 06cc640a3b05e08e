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
    static func parse(_ header: String) throws(SignatureError) -> Parsed {
        var parameters: [String: String] = [:]
        var scanner = Substring(header)
        while !scanner.isEmpty {
            scanner = scanner.drop { $0 == " " || $0 == "," }
            guard !scanner.isEmpty else { break }
            guard let equals = scanner.firstIndex(of: "=") else { throw SignatureError(.malformedHeader, "a Signature parameter has no value") }
            let name = scanner[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            scanner = scanner[scanner.index(after: equals)...]
            var value = ""
            if scanner.first == "\"" {
                scanner = scanner.dropFirst()
                var escaped = false
                var closed = false
                while let character = scanner.first {
                    scanner = scanner.dropFirst()
                    if escaped { value.append(character); escaped = false } else if character == "\\" { escaped = true } else if character == "\"" {
                        closed = true
                        break
                    } else { value.append(character) }
                }
                guard closed else { throw SignatureError(.malformedHeader, "a Signature parameter's quoted value is not closed") }
            } else {
                let end = scanner.firstIndex(of: ",") ?? scanner.endIndex
                value = scanner[..<end].trimmingCharacters(in: .whitespaces)
                scanner = scanner[end...]
            }
            guard !name.isEmpty, parameters.updateValue(value, forKey: name) == nil else {
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
            keyID: keyID, algorithm: parameters["algorithm"]?.lowercased(), headers: headers, signature: signature,
            created: parameters["created"].flatMap { Int64($0) }, expires: parameters["expires"].flatMap { Int64($0) })
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

    /// Signs `request` as Mastodon does: sets `Host`, `Date`, `Digest` (when there is a body) and
    /// `Signature` over `(request-target) host date [digest]`.
    static func sign(_ request: inout SignedRequest, keyID: String, key: SignaturePrivateKey, date: Date) throws {
        request.setHeader("Date", HTTPDate.string(from: date))
        var headers = ["(request-target)", "host", "date"]
        if let body = request.body {
            request.setHeader("Digest", digest(of: body))
            headers.append("digest")
        }
        let parsed = Parsed(keyID: keyID, algorithm: nil, headers: headers, signature: Data([0]), created: nil, expires: nil)
        let signature = try key.signature(for: Data(try signingString(parsed, request: request, path: request.path).utf8))
        let algorithm = if case .rsa = key { "rsa-sha256" } else { "hs2019" }
        request.setHeader(
            "Signature",
            "keyId=\"\(keyID)\",algorithm=\"\(algorithm)\",headers=\"\(headers.joined(separator: " "))\",signature=\"\(signature.base64EncodedString())\"")
    }
}
