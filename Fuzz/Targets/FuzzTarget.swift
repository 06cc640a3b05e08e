import ActivityPubKit
import Crypto
import Foundation
import ScribeCore

/// The parsers that read what strangers send, each as a function of arbitrary bytes: libFuzzer
/// drives them in `scribe-fuzz` (`scripts/fuzz`), and `FuzzRegressionTests` replays the saved
/// corpus and every input that once crashed through the very same functions in the normal test
/// build. A target returns normally for any input; a trap, or an invariant broken, is the finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// An ActivityStreams document as an inbox receives it: decoded, read the way the inbox
    /// reads it, and encoded again.
    case activity
    /// `Signature` / `Signature-Input` headers (draft-cavage and RFC 9421): parsed and checked
    /// against a request and a key.
    case signature
    /// A PNG that may carry a character card (`chara`/`ccv3` chunks).
    case pngCard = "png-card"
    /// A CHARX archive (a zip with `card.json` and assets).
    case charxCard = "charx-card"
    /// A character card or World Info lorebook as JSON.
    case cardJSON = "card-json"
    /// Remote HTML through the sanitiser.
    case html
    /// A handle or WebFinger resource as someone types it, and its domain as a host name.
    case webfinger

    /// Runs the target on one input.
    public func run(_ data: Data) {
        switch self {
        case .activity: Self.activity(data)
        case .signature: Self.signature(data)
        case .pngCard: Self.pngCard(data)
        case .charxCard: _ = try? CHARXCard.read(data)
        case .cardJSON:
            _ = try? CharacterCard.read(json: data)
            _ = try? Lorebook.read(json: data)
        case .html: Self.html(data)
        case .webfinger: Self.webfinger(data)
        }
    }

    private static func activity(_ data: Data) {
        // Our parser and Foundation's agree on every document both accept without ambiguity
        // (a name given twice: the last counts for us and PostgreSQL, not for JSONDecoder).
        if let ours = try? JSONLDValue.parse(data, rejectingDuplicateNames: true),
            let theirs = try? JSONDecoder().decode(JSONLDValue.self, from: data)
        {
            precondition(comparable(ours) == comparable(theirs), "the parser and JSONDecoder read a document differently")
        }
        guard let document = try? ASObject.decode(data) else { return }
        _ = (document.id, document.types, document.actor?.id, document.object.map(\.id), document.attributedTo?.id, document.inReplyTo?.id)
        _ = (document.to, document.cc, document.isPublic, document.name, document.summary, document.content, document.url)
        _ = (document.published, document.updated, document.tags.count, document.attachments.count, document.isActor, document.inbox)
        for case let object? in document.object.map(\.object) { _ = (object.id, object.types, object.content) }
        guard let encoded = try? document.encoded(), let again = try? ASObject.decode(encoded) else {
            fatalError("a decoded document did not encode and decode again")
        }
        precondition(again.id == document.id && again.types == document.types, "encoding changed the document's id or type")
    }

    /// Numbers as doubles: `1e3` is an integer to `JSONDecoder` and a double to us, the same number.
    private static func comparable(_ value: JSONLDValue) -> JSONLDValue {
        switch value {
        case .integer(let integer): .number(Double(integer))
        case .array(let values): .array(values.map(comparable))
        case .object(let members): .object(members.mapValues(comparable))
        default: value
        }
    }

    /// A fixed key: the verification fails for almost every input, after the parsing and the
    /// coverage rules the fuzzer is after.
    private static let key = Curve25519.Signing.PrivateKey().publicKey

    /// Input: the `Signature` header, then optionally a newline and `Signature-Input`.
    private static func signature(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var headers = [
            ("Host", "scribe.example"), ("Date", HTTPDate.string(from: Date())), ("Content-Type", "application/activity+json"),
            ("Digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), ("Signature", lines[0]),
        ]
        if lines.count > 1 { headers.append(("Signature-Input", lines[1])) }
        let request = SignedRequest(method: "POST", path: "/inbox", authority: "scribe.example", headers: headers, body: Data())
        let verifier = HTTPSignatureVerifier()
        guard let candidate = try? verifier.candidate(for: request) else { return }
        _ = try? verifier.verify(candidate, of: request, with: .ed25519(key))
        _ = HTTPDate.date(from: lines.last ?? "")
    }

    private static func pngCard(_ data: Data) {
        _ = PNGCard.isPNG(data)
        if let json = try? PNGCard.cardJSON(in: data) { _ = try? CharacterCard.read(json: json) }
        _ = try? PNGCard.removingCard(from: data)
    }

    private static let keptAttributes: Set<String> = ["href", "rel", "target", "class", "start", "reversed", "value", "title"]

    private static func html(_ data: Data) {
        let clean = HTMLSanitizer.sanitize(String(decoding: data, as: UTF8.self))
        // Whatever came in, only the allowed elements and attributes come out. Read as a browser
        // reads it, by code point: a combining mark after `>` makes one Character of the two.
        var rest = Substring.UnicodeScalarView(clean.unicodeScalars)
        while let open = rest.firstIndex(of: "<") {
            let close = rest[open...].firstIndex(of: ">") ?? rest.endIndex
            // Attribute values are quoted (and escaped) by the sanitiser: without them, a tag is
            // its name and its attributes' names.
            let tag = String(String.UnicodeScalarView(rest[rest.index(after: open)..<close]))
                .replacingOccurrences(of: "\"[^\"]*\"", with: "", options: .regularExpression)
            let words = tag.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "/" }).map { String(String.UnicodeScalarView($0)) }
            guard let name = words.first else { preconditionFailure("the sanitiser wrote an empty tag") }
            precondition(HTMLSanitizer.keptElements.contains(name), "the sanitiser let <\(name)> through: \(clean.debugDescription.prefix(300))")
            for attribute in words.dropFirst() {
                let attributeName = attribute.hasSuffix("=") ? String(attribute.dropLast()) : attribute
                precondition(keptAttributes.contains(attributeName), "the sanitiser let the attribute \(attributeName) through")
            }
            rest = close < rest.endIndex ? rest[rest.index(after: close)...] : rest[rest.endIndex...]
        }
    }

    private static func webfinger(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        if case .account(_, let domain)? = WebFingerResource(text) { _ = FederationClient.isHostName(domain) }
        if FederationClient.isHostName(text) {
            // What passes is safe to build a URL from: this used to trap (found by schemathesis).
            var components = URLComponents()
            components.percentEncodedHost = text.split(separator: ":").first.map(String.init)
            precondition(components.host != nil, "an accepted host name built no URL")
        }
    }
}
