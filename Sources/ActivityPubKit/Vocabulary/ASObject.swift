import Foundation

/// An ActivityStreams 2.0 object, activity, actor, collection, link, tag or tombstone, decoded
/// leniently from what real servers send.
///
/// Every property is kept as it came (``properties``), so nothing is lost and unknown extensions
/// survive re-encoding. The accessors below read the common ones the way the fediverse writes
/// them: a property may be an IRI string, an embedded object, or an array of either; `type` may
/// be an array; `@context` a string, an object or an array.
public struct ASObject: Codable, Sendable, Hashable {
    public var properties: [String: JSONLDValue]

    public init(properties: [String: JSONLDValue]) {
        self.properties = properties
    }

    public init(from decoder: any Decoder) throws {
        guard case .object(let properties) = try JSONLDValue(from: decoder) else {
            throw DecodingError.typeMismatch(
                ASObject.self,
                .init(codingPath: decoder.codingPath, debugDescription: "An ActivityStreams object must be a JSON object.")
            )
        }
        self.properties = properties
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONLDValue.object(properties).encode(to: encoder)
    }

    /// Reads a document (with ``JSONLDValue/parse(_:)``); an error for anything that is not a
    /// JSON object.
    public static func decode(_ data: Data) throws -> ASObject {
        guard case .object(let properties) = try JSONLDValue.parse(data) else {
            throw JSONLDValue.ParseError(offset: 0, reason: "an ActivityStreams object must be a JSON object")
        }
        return ASObject(properties: properties)
    }

    public subscript(_ property: String) -> JSONLDValue? {
        get { properties[property] }
        set { properties[property] = newValue }
    }

    // MARK: Identity

    public var id: String? { properties["id"]?.string ?? properties["@id"]?.string }

    /// Every type the document names (`type` or `@type`, one or several).
    public var types: [String] { (properties["type"] ?? properties["@type"] ?? .null).list.compactMap(\.string) }

    public func isA(_ type: String) -> Bool { types.contains(type) }

    /// The `@context`, as a list of its entries.
    public var context: [JSONLDValue] { (properties["@context"] ?? .null).list }

    // MARK: Relations

    /// The values of `property`, each as an IRI or an embedded object.
    public func references(_ property: String) -> [ASReference] {
        (properties[property] ?? .null).list.compactMap(ASReference.init)
    }

    public var actor: ASReference? { references("actor").first }
    public var object: [ASReference] { references("object") }
    public var target: ASReference? { references("target").first }
    public var attributedTo: ASReference? { references("attributedTo").first }
    public var inReplyTo: ASReference? { references("inReplyTo").first }

    // MARK: Addressing

    /// The ids a property addresses (`to`, `cc`, `bto`, `bcc`, `audience`).
    public func addresses(_ property: String) -> [String] { references(property).compactMap(\.id) }
    public var to: [String] { addresses("to") }
    public var cc: [String] { addresses("cc") }

    /// Whether the document is addressed to everyone, in any of the spellings in use.
    public var isPublic: Bool {
        let everyone: Set<String> = ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"]
        return ["to", "cc", "bto", "bcc", "audience"].contains { !everyone.isDisjoint(with: addresses($0)) }
    }

    // MARK: Content

    public var name: String? { properties["name"]?.string ?? firstMapValue("nameMap") }
    public var summary: String? { properties["summary"]?.string ?? firstMapValue("summaryMap") }
    /// `content`, or the first entry of `contentMap`. Remote HTML: sanitise before showing it.
    public var content: String? { properties["content"]?.string ?? firstMapValue("contentMap") }
    public var mediaType: String? { properties["mediaType"]?.string }

    /// `url`: a string, a `Link` (its `href`), or the first of a list of them.
    public var url: String? { references("url").first.flatMap { $0.id ?? $0.object?.properties["href"]?.string } }

    public var published: Date? { properties["published"]?.string.flatMap(RFC3339Date.date(from:)) }
    public var updated: Date? { properties["updated"]?.string.flatMap(RFC3339Date.date(from:)) }

    public var tags: [ASObject] { references("tag").compactMap(\.object) }
    public var attachments: [ASObject] { references("attachment").compactMap(\.object) }

    // MARK: Actors

    public static let actorTypes: Set<String> = ["Person", "Service", "Application", "Group", "Organization"]
    public static let collectionTypes: Set<String> = ["Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"]
    public static let activityTypes: Set<String> = [
        "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag", "Follow", "Ignore", "Invite", "Join", "Leave",
        "Like", "Listen", "Move", "Offer", "Question", "Reject", "Read", "Remove", "TentativeReject", "TentativeAccept", "Travel", "Undo",
        "Update", "View", "Lock", "EmojiReact",
    ]

    public var isActor: Bool { !Self.actorTypes.isDisjoint(with: types) }
    /// A known activity type, or, as servers add their own (Lemmy's `Resolve` and `Warn`), any
    /// other type that is not an actor or a collection and names both an `actor` and an `object`
    /// (objects such as Pleroma's notes and Mobilizon's events may carry an `actor` alone).
    public var isActivity: Bool {
        !Self.activityTypes.isDisjoint(with: types)
            || (properties["actor"] != nil && properties["object"] != nil && !isActor && !isCollection)
    }
    public var isCollection: Bool { !Self.collectionTypes.isDisjoint(with: types) }

    public var inbox: String? { properties["inbox"]?.string }
    public var outbox: String? { properties["outbox"]?.string }
    public var followers: String? { properties["followers"]?.string }
    public var following: String? { properties["following"]?.string }
    public var preferredUsername: String? { properties["preferredUsername"]?.string }
    public var sharedInbox: String? { properties["endpoints"]?.object?["sharedInbox"]?.string }

    /// The actor's `publicKey` entries (Mastodon reads up to 10): id, owner and PEM of each.
    public var publicKeys: [(id: String, owner: String?, pem: String)] {
        references("publicKey").prefix(10).compactMap { reference in
            guard let key = reference.object, let id = key.id, let pem = key.properties["publicKeyPem"]?.string else { return nil }
            return (id, key.properties["owner"]?.string, pem)
        }
    }

    /// The first of ``publicKeys``.
    public var publicKey: (id: String, owner: String?, pem: String)? { publicKeys.first }

    // MARK: Collections

    public var totalItems: Int? {
        if case .integer(let count) = properties["totalItems"] { return Int(count) }
        return nil
    }

    /// `items` or `orderedItems`.
    public var items: [ASReference] { references("orderedItems") + references("items") }

    // MARK: Pieces

    private func firstMapValue(_ property: String) -> String? {
        properties[property]?.object?.sorted { $0.key < $1.key }.first?.value.string
    }
}

/// A property value that names another object: by IRI, or embedded.
public enum ASReference: Sendable, Hashable {
    case iri(String)
    case object(ASObject)

    init?(_ value: JSONLDValue) {
        switch value {
        case .string(let iri): self = .iri(iri)
        case .object(let properties): self = .object(ASObject(properties: properties))
        default: return nil
        }
    }

    /// The referenced object's id: the IRI itself, or the embedded object's `id`.
    public var id: String? {
        switch self {
        case .iri(let iri): iri
        case .object(let object): object.id ?? object.properties["href"]?.string
        }
    }

    public var object: ASObject? {
        if case .object(let object) = self { return object }
        return nil
    }
}
