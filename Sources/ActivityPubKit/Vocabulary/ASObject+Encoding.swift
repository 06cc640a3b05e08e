import Foundation

extension ASObject {
    /// The document with its `@context` set, ready to serve or deliver.
    public func document(in context: JSONLDContext) -> ASObject {
        var document = self
        document["@context"] = context.value
        return document
    }

    /// The JSON we put on the wire: keys sorted (so `@context` comes first and equal documents
    /// are equal bytes, which keeps digests and caches stable), slashes unescaped, and top-level
    /// null properties left out rather than sent as `null`, which some servers reject.
    public func encoded() throws -> Data {
        try Self.wireEncoder.encode(ASObject(properties: properties.filter { $0.value != .null }))
    }

    private static let wireEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// Builders for the documents a server publishes, shaped as Mastodon reads them
/// (`../reference/mastodon-interop.md` §2 and §6). Each returns a plain ``ASObject``; callers add
/// whatever else their document carries.
extension ASObject {
    /// An activity: `id`, `type`, `actor`, `object` (an IRI or an embedded object) and addressing.
    public static func activity(
        _ type: String,
        id: String,
        actor: String,
        object: JSONLDValue,
        to: [String] = [],
        cc: [String] = [],
        published: Date? = nil
    ) -> ASObject {
        var activity: ASObject = ["id": .string(id), "type": .string(type), "actor": .string(actor), "object": object]
        if !to.isEmpty { activity["to"] = .strings(to) }
        if !cc.isEmpty { activity["cc"] = .strings(cc) }
        if let published { activity["published"] = .string(timestamp(published)) }
        return activity
    }

    /// An `OrderedCollection` that names its size and its first page; Mastodon treats a
    /// collection without `first` as hidden.
    public static func orderedCollection(id: String, totalItems: Int, first: String?) -> ASObject {
        ["id": .string(id), "type": "OrderedCollection", "totalItems": .integer(Int64(totalItems)), "first": .optional(first)]
    }

    /// One page of an `OrderedCollection`, newest first, linked to the next.
    public static func orderedCollectionPage(id: String, partOf: String, items: [JSONLDValue], next: String?, totalItems: Int? = nil) -> ASObject {
        var page: ASObject = [
            "id": .string(id), "type": "OrderedCollectionPage", "partOf": .string(partOf), "orderedItems": .array(items), "next": .optional(next),
        ]
        if let totalItems { page["totalItems"] = .integer(Int64(totalItems)) }
        return page
    }

    /// What is left of a deleted object: its id, its former type and when it went.
    public static func tombstone(id: String, formerType: String? = nil, deleted: Date? = nil) -> ASObject {
        ["id": .string(id), "type": "Tombstone", "formerType": .optional(formerType), "deleted": .optional(deleted.map(timestamp))]
    }

    /// An embedded `Image` (avatars, attachments): Mastodon ignores an avatar given as a bare URL.
    public static func image(url: String, mediaType: String?, description: String? = nil) -> ASObject {
        ["type": "Image", "url": .string(url), "mediaType": .optional(mediaType), "name": .optional(description)]
    }

    /// A `Hashtag` tag; `name` keeps its leading `#`, as Mastodon sends it.
    public static func hashtag(name: String, href: String) -> ASObject {
        ["type": "Hashtag", "name": .string(name.hasPrefix("#") ? name : "#" + name), "href": .string(href)]
    }

    /// A `Mention` tag of an actor, named `@user@domain`.
    public static func mention(actor: String, name: String) -> ASObject {
        ["type": "Mention", "href": .string(actor), "name": .string(name)]
    }

    /// The `publicKey` entry of an actor: `<actor>#main-key`, owned by the actor, SPKI PEM.
    public static func publicKey(actor: String, pem: String) -> ASObject {
        ["id": .string(actor + "#main-key"), "owner": .string(actor), "publicKeyPem": .string(pem)]
    }

    /// The document as a property value (an embedded object), nulls left out.
    public var embedded: JSONLDValue { .object(properties.filter { $0.value != .null }) }

    /// An `xsd:dateTime` in UTC with seconds, as Mastodon writes them.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
