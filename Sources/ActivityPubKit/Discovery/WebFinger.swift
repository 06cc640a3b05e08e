import Foundation

/// What a WebFinger `resource` parameter names, in the forms Mastodon accepts
/// (`app/lib/webfinger_resource.rb`): `acct:user@domain` or `user@domain` (percent-encoded or
/// not; Mastodon itself sends it raw), an `http(s)` URL, or a bare domain (the instance actor).
public enum WebFingerResource: Sendable, Equatable {
    case account(username: String, domain: String)
    case url(URL)
    case domain(String)

    /// Parses a resource; nil for anything else (the server answers 400).
    public init?(_ resource: String) {
        let text = (resource.removingPercentEncoding ?? resource).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 1024, !text.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        if text.lowercased().hasPrefix("http://") || text.lowercased().hasPrefix("https://") {
            guard let url = URL(string: text), url.host != nil else { return nil }
            self = .url(url)
            return
        }
        var account = text
        if account.lowercased().hasPrefix("acct:") { account.removeFirst(5) }
        if account.hasPrefix("@") { account.removeFirst() }
        let parts = account.split(separator: "@", omittingEmptySubsequences: false)
        switch parts.count {
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            self = .account(username: String(parts[0]), domain: String(parts[1]).lowercased())
        case 1 where parts[0].contains(".") || parts[0].contains(":"):
            self = .domain(String(parts[0]).lowercased())
        default:
            return nil
        }
    }
}

/// A WebFinger JSON Resource Descriptor (RFC 7033), served as `application/jrd+json`.
public struct WebFingerDocument: Codable, Sendable, Equatable {
    public struct Link: Codable, Sendable, Equatable {
        public var rel: String
        public var type: String?
        public var href: String?
        public var template: String?

        public init(rel: String, type: String? = nil, href: String? = nil, template: String? = nil) {
            self.rel = rel
            self.type = type
            self.href = href
            self.template = template
        }
    }

    public static let mediaType = "application/jrd+json"

    public var subject: String
    public var aliases: [String]?
    public var links: [Link]

    public init(subject: String, aliases: [String]? = nil, links: [Link]) {
        self.subject = subject
        self.aliases = aliases
        self.links = links
    }

    /// What Mastodon serves for an account: profile page, `self` (the actor id, which must equal
    /// the actor document's `id` exactly), and the remote-interaction template.
    public static func account(
        username: String,
        domain: String,
        actorID: String,
        profileURL: String,
        interactionTemplate: String
    ) -> WebFingerDocument {
        WebFingerDocument(
            subject: "acct:\(username)@\(domain)",
            aliases: [profileURL, actorID],
            links: [
                Link(rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: profileURL),
                Link(rel: "self", type: ActivityPubMediaType.activityJSON, href: actorID),
                Link(rel: "http://ostatus.org/schema/1.0/subscribe", template: interactionTemplate),
            ]
        )
    }

    /// The actor id, as Mastodon reads it: the `self` link of an ActivityPub type.
    public var actorID: String? {
        links.first { $0.rel == "self" && ($0.type.map(ActivityPubMediaType.isActivityPub(contentType:)) ?? false) }?.href
    }
}

/// The host-meta XRD document, which points clients that cannot guess the WebFinger URL at it.
/// Mastodon reads it with an XPath that needs the XRD default namespace, so it is always declared.
public enum HostMeta {
    public static let mediaType = "application/xrd+xml"

    /// The document for a server whose WebFinger lives at `publicURL`.
    public static func document(publicURL: String) -> String {
        render(template: defaultTemplate, publicURL: publicURL)
    }

    /// Fills a template's `{{publicURL}}` (such as `wellknown/host-meta.xrd`), escaped for XML.
    public static func render(template: String, publicURL: String) -> String {
        let escaped = publicURL.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        return template.replacingOccurrences(of: "{{publicURL}}", with: escaped)
    }

    static let defaultTemplate = """
        <?xml version="1.0" encoding="UTF-8"?>
        <XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
          <Link rel="lrdd" template="{{publicURL}}/.well-known/webfinger?resource={uri}"/>
        </XRD>

        """
}
