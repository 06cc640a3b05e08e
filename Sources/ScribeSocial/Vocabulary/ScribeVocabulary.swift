import ActivityPubKit

/// Scribe's ActivityPub extension terms, which let another Scribe server import a published
/// character or lorebook from the `Note` every other server renders (docs/architecture.md §6).
///
/// The namespace IRI is fixed, not per instance: a term must mean the same on every server.
/// `schemas/jsonld/scribe.jsonld` is the published form of this context; a test keeps the two equal.
public enum ScribeVocabulary {
    public static let namespace = "https://w3id.org/scribe/ns#"

    public static let terms: [String: JSONLDValue] = [
        "scribe": .string(namespace),
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "Character": "scribe:Character",
        "Lorebook": "scribe:Lorebook",
        "characterCard": ["@id": "scribe:characterCard", "@type": "@json"],
        "lorebook": ["@id": "scribe:lorebook", "@type": "@json"],
        "cardDownload": ["@id": "scribe:cardDownload", "@type": "@id"],
        "cardSpec": ["@id": "scribe:cardSpec", "@type": "xsd:string"],
        "contentRating": ["@id": "scribe:contentRating", "@type": "xsd:string"],
        "itemVersion": ["@id": "scribe:itemVersion", "@type": "xsd:integer"],
    ]

    /// The context of every document Scribe serves: ActivityStreams, security, Mastodon's terms
    /// and ours.
    public static let context = JSONLDContext.mastodon.adding(terms)
}
