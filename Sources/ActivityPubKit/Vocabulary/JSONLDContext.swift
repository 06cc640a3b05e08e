import Foundation

/// The `@context` of a document we serve: the ActivityStreams IRI first (Mastodon drops a
/// document whose context does not contain that exact string), the security vocabulary for
/// `publicKey`, then one inline map of the extension terms the document uses.
///
/// Terms are defined inline rather than by a remote context URL, so no consumer ever has to fetch
/// a context to understand them; it is what Mastodon does with its `toot:` terms.
public struct JSONLDContext: Sendable, Hashable {
    public static let activityStreams = "https://www.w3.org/ns/activitystreams"
    public static let security = "https://w3id.org/security/v1"

    /// Extension term definitions: a term to its IRI, or to an expanded definition object.
    public private(set) var terms: [String: JSONLDValue]

    public init(terms: [String: JSONLDValue] = [:]) {
        self.terms = terms
    }

    /// This context with more terms; a term defined twice keeps its later definition.
    public func adding(_ more: [String: JSONLDValue]) -> JSONLDContext {
        JSONLDContext(terms: terms.merging(more) { _, later in later })
    }

    /// The value for `@context`.
    public var value: JSONLDValue {
        var entries: [JSONLDValue] = [.string(Self.activityStreams), .string(Self.security)]
        if !terms.isEmpty { entries.append(.object(terms)) }
        return .array(entries)
    }

    /// Reads the term map of a JSON-LD context document (`{"@context": {...}}`), such as a
    /// project's own vocabulary kept as a schema file.
    public static func terms(ofContextDocument data: Data) throws -> [String: JSONLDValue] {
        guard case .object(let document)? = try? JSONDecoder().decode(JSONLDValue.self, from: data),
            case .object(let terms)? = document["@context"]
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "A context document is an object whose @context is an object of terms.")
            )
        }
        return terms
    }

    /// The terms Mastodon defines for what it reads from actors, statuses and tags, spelled as its
    /// `context_helper.rb` spells them (including the `http://schema.org#` IRI Mastodon expects).
    public static let mastodonTerms: [String: JSONLDValue] = [
        "toot": "http://joinmastodon.org/ns#",
        "schema": "http://schema.org#",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "alsoKnownAs": ["@id": "as:alsoKnownAs", "@type": "@id"],
        "movedTo": ["@id": "as:movedTo", "@type": "@id"],
        "featured": ["@id": "toot:featured", "@type": "@id"],
        "featuredTags": ["@id": "toot:featuredTags", "@type": "@id"],
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "suspended": "toot:suspended",
        "memorial": "toot:memorial",
        "Emoji": "toot:Emoji",
        "focalPoint": ["@container": "@list", "@id": "toot:focalPoint"],
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        // Quote posts (FEP-044f) and who may quote (GoToSocial's interaction policies), as
        // Mastodon 4.5 writes them.
        "gts": "https://gotosocial.org/ns#",
        "interactionPolicy": ["@id": "gts:interactionPolicy", "@type": "@id"],
        "canQuote": ["@id": "gts:canQuote", "@type": "@id"],
        "automaticApproval": ["@id": "gts:automaticApproval", "@type": "@id"],
        "interactingObject": ["@id": "gts:interactingObject", "@type": "@id"],
        "interactionTarget": ["@id": "gts:interactionTarget", "@type": "@id"],
        "manualApproval": ["@id": "gts:manualApproval", "@type": "@id"],
        "quote": ["@id": "https://w3id.org/fep/044f#quote", "@type": "@id"],
        // The older spellings of a quote Mastodon also sends, for Misskey's and Fedibird's readers.
        "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
        "quoteUri": "http://fedibird.com/ns#quoteUri",
        "quoteAuthorization": ["@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"],
        "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
        "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
    ]

    /// The context most documents we serve need: ActivityStreams, security and Mastodon's terms.
    public static let mastodon = JSONLDContext(terms: mastodonTerms)
}
