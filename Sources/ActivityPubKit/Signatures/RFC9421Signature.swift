import Crypto
import Foundation
import RawStructuredFieldValues

/// RFC 9421 HTTP Message Signatures: `Signature-Input: sig1=("@method" "@target-uri" ...);created=...;keyid="..."`
/// and `Signature: sig1=:<base64>:`, with RFC 9530's `Content-Digest`.
enum RFC9421Signature {
    struct Parsed: Sendable {
        var label: String
        var components: [String]
        var keyID: String
        var created: Int64?
        var expires: Int64?
        var algorithm: String?
        /// The member's value exactly as sent: the `@signature-params` line of the base.
        var rawParameters: String
        var signature: Data
    }

    /// Parses the first signature of the request (its label, components and parameters).
    static func parse(input: String, signature: String) throws(SignatureError) -> Parsed {
        guard input.utf8.count <= 8192, signature.utf8.count <= 8192 else {
            throw SignatureError(.malformedHeader, "the signature headers are too long")
        }
        let inputs: OrderedMap<String, ItemOrInnerList>
        let signatures: OrderedMap<String, ItemOrInnerList>
        do {
            var inputParser = StructuredFieldValueParser(Array(input.utf8))
            inputs = try inputParser.parseDictionaryFieldValue()
            var signatureParser = StructuredFieldValueParser(Array(signature.utf8))
            signatures = try signatureParser.parseDictionaryFieldValue()
        } catch {
            throw SignatureError(.malformedHeader, "Signature-Input or Signature is not a structured-field dictionary")
        }
        guard let (label, member) = inputs.first(where: { _ in true }), case .innerList(let list) = member else {
            throw SignatureError(.malformedHeader, "Signature-Input has no signature")
        }
        var components: [String] = []
        for item in list.bareInnerList {
            guard case .string(let name) = item.rfc9651BareItem, item.rfc9651Parameters.count == 0 else {
                throw SignatureError(.unsupportedAlgorithm, "a covered component has a form this verifier does not support")
            }
            components.append(name.lowercased())
        }
        var keyID: String?
        var created: Int64?
        var expires: Int64?
        var algorithm: String?
        for (name, value) in list.rfc9651Parameters {
            switch (name, value) {
            case ("keyid", .string(let text)): keyID = text
            case ("created", .integer(let number)): created = number
            case ("expires", .integer(let number)): expires = number
            case ("alg", .string(let text)): algorithm = text
            default: break
            }
        }
        guard let keyID, !keyID.isEmpty else { throw SignatureError(.malformedHeader, "Signature-Input has no keyid") }
        guard let signed = signatures.first(where: { $0.0 == label })?.1, case .item(let item) = signed,
            case .undecodedByteSequence(let encoded) = item.rfc9651BareItem, let bytes = Data(base64Encoded: encoded)
        else { throw SignatureError(.malformedHeader, "Signature has no byte sequence for \(label)") }
        return Parsed(
            label: label,
            components: components,
            keyID: keyID,
            created: created,
            expires: expires,
            algorithm: algorithm,
            rawParameters: try rawMember(label, in: input),
            signature: bytes
        )
    }

    /// The text of dictionary member `label` as sent, which RFC 9421 signs verbatim: the header
    /// split at its top-level commas (outside quotes and parentheses).
    static func rawMember(_ label: String, in header: String) throws(SignatureError) -> String {
        // Bytes, not Characters: the header is ASCII, and grapheme walking dominated verification.
        let bytes = Array(header.utf8)
        var start = 0
        var depth = 0
        var quoted = false
        var escaped = false
        func member(_ range: Range<Int>) -> String? {
            var slice = bytes[range]
            while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { slice = slice.dropFirst() }
            while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { slice = slice.dropLast() }
            let text = String(decoding: slice, as: UTF8.self)
            return text.hasPrefix(label + "=") ? String(text.dropFirst(label.count + 1)) : nil
        }
        for (index, byte) in bytes.enumerated() {
            if quoted {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    quoted = false
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: "(") {
                depth += 1
            } else if byte == UInt8(ascii: ")") {
                depth -= 1
            } else if byte == UInt8(ascii: ","), depth == 0 {
                if let found = member(start..<index) { return found }
                start = index + 1
            }
        }
        if let found = member(start..<bytes.count) { return found }
        throw SignatureError(.malformedHeader, "Signature-Input has no member \(label)")
    }

    /// The signature base of RFC 9421 §2.5.
    static func base(_ parsed: Parsed, request: SignedRequest) throws(SignatureError) -> String {
        var lines: [String] = []
        let (path, query) = splitQuery(request.path)
        for component in parsed.components {
            let value: String
            switch component {
            case "@method": value = request.method.uppercased()
            case "@target-uri": value = "\(request.scheme)://\(request.authority)\(request.path)"
            case "@authority": value = request.authority.lowercased()
            case "@scheme": value = request.scheme.lowercased()
            case "@request-target": value = request.path
            case "@path": value = path
            case "@query": value = "?" + (query ?? "")
            default:
                guard !component.hasPrefix("@") else { throw SignatureError(.unsupportedAlgorithm, "the component \(component) is not supported") }
                guard let header = request.header(component) else {
                    throw SignatureError(.missingHeader, "the signed header \(component) is missing")
                }
                value = header.trimmingOptionalWhitespace
            }
            lines.append("\"\(component)\": \(value)")
        }
        lines.append("\"@signature-params\": \(parsed.rawParameters)")
        return lines.joined(separator: "\n")
    }

    static func splitQuery(_ target: String) -> (String, String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// The `Content-Digest` value of a body: `sha-256=:<base64>:`.
    static func contentDigest(of body: Data) -> String {
        "sha-256=:" + Data(SHA256.hash(data: body)).base64EncodedString() + ":"
    }

    /// The SHA-256 a `Content-Digest` header names, or a malformed-digest error.
    static func sha256(inContentDigest header: String) throws(SignatureError) -> Data? {
        let members: OrderedMap<String, ItemOrInnerList>
        do {
            var parser = StructuredFieldValueParser(Array(header.utf8))
            members = try parser.parseDictionaryFieldValue()
        } catch {
            throw SignatureError(.malformedDigest, "Content-Digest could not be parsed. It does not contain a valid RFC8941 dictionary.")
        }
        guard let member = members.first(where: { $0.0 == "sha-256" })?.1 else { return nil }
        guard case .item(let item) = member, case .undecodedByteSequence(let encoded) = item.rfc9651BareItem, let bytes = Data(base64Encoded: encoded)
        else {
            throw SignatureError(.malformedDigest, "Content-Digest's sha-256 is not a byte sequence")
        }
        return bytes
    }

    /// Signs `request` with label `sig1`: sets `Content-Digest` when there is a body, then
    /// `Signature-Input` over `@method`, `@target-uri` (and `content-digest`) and `Signature`.
    /// Prepares `request` to be signed: sets `Content-Digest` (when there is a body) and answers
    /// the signature base over `@method @target-uri [content-digest]` with `created` and `keyid`,
    /// and how to set `Signature-Input` and `Signature` once the signature is made.
    static func prepare(_ request: inout SignedRequest, keyID: String, created: Date) throws -> PendingSignature {
        var components = ["@method", "@target-uri"]
        if let body = request.body {
            request.setHeader("Content-Digest", contentDigest(of: body))
            components.append("content-digest")
        }
        let parameters =
            "(" + components.map { "\"\($0)\"" }.joined(separator: " ") + ");created=\(Int64(created.timeIntervalSince1970));keyid=\"\(keyID)\""
        let parsed = Parsed(
            label: "sig1",
            components: components,
            keyID: keyID,
            created: Int64(created.timeIntervalSince1970),
            expires: nil,
            algorithm: nil,
            rawParameters: parameters,
            signature: Data()
        )
        return PendingSignature(message: Data(try base(parsed, request: request).utf8)) { request, signature in
            request.setHeader("Signature-Input", "sig1=" + parameters)
            request.setHeader("Signature", "sig1=:" + signature.base64EncodedString() + ":")
        }
    }
}
