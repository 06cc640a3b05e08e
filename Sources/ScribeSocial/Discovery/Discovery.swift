import ActivityPubKit
import Foundation
import ScribeContracts

/// What lets others find us: WebFinger, host-meta and NodeInfo.
public struct Discovery: Sendable {
    let actors: LocalActors
    let core: any CoreAPI
    let urls: ActorURLs
    let settings: SocialSettings
    let documents: DocumentCache

    /// The JRD of a resource (see ``resolve(resource:)``) as served (JSON), from memory when it may be.
    public func servedWebFinger(resource text: String) async throws(SocialError) -> Data {
        let served = try await documents.document(for: "webfinger:" + text) { () async throws(SocialError) in
            let (document, userID) = try await resolve(resource: text)
            let bytes: Data
            do { bytes = try ScribeJSON.encoder().encode(document) } catch { throw SocialError(.unavailable, "The document could not be encoded.") }
            return DocumentCache.Document(bytes: bytes, subjects: userID.map { [LocalActors.subject($0)] } ?? [])
        }
        guard let served else { throw SocialError(.notFound, "That account is not on this server.") }
        return served.bytes
    }

    /// The JRD for `acct:user@our-domain` (raw or percent-encoded, with or without `acct:`), an
    /// actor or profile URL of ours, or `acct:<domain>@<domain>` for the instance actor, and the
    /// user it is about (nil: the instance actor). A resource on another domain or of an unknown
    /// user is `notFound`; an unreadable one `badRequest`.
    private func resolve(resource text: String) async throws(SocialError) -> (document: WebFingerDocument, userID: UUID?) {
        guard let resource = WebFingerResource(text) else { throw SocialError(.badRequest, "The resource parameter is not an account or a URL.") }
        let username: String
        switch resource {
        case .account(let name, let domain):
            guard domain == settings.domain.lowercased() else { throw SocialError(.notFound, "That account is not on this server.") }
            if name.lowercased() == domain { return (instanceDocument, nil) }
            username = name
        case .url(let url):
            let text = url.absoluteString
            if text == urls.instanceActor { return (instanceDocument, nil) }
            if let name = urls.username(ofActor: text) {
                username = name
            } else if text.hasPrefix(urls.origin + "/@") {
                username = String(text.dropFirst(urls.origin.count + 2))
            } else {
                throw SocialError(.notFound, "That URL is not an account on this server.")
            }
        case .domain(let domain):
            guard domain == settings.domain.lowercased() else { throw SocialError(.notFound, "That domain is not this server.") }
            return (instanceDocument, nil)
        }
        let profile = try await actors.profile(username: username)
        let document = WebFingerDocument.account(
            username: profile.username,
            domain: settings.domain,
            actorID: urls.actor(profile.username),
            profileURL: urls.profile(profile.username),
            interactionTemplate: urls.origin + "/authorize_interaction?uri={uri}"
        )
        return (document, profile.id)
    }

    private var instanceDocument: WebFingerDocument {
        WebFingerDocument(
            subject: "acct:\(settings.domain)@\(settings.domain)",
            aliases: [urls.instanceActor],
            links: [WebFingerDocument.Link(rel: "self", type: ActivityPubMediaType.activityJSON, href: urls.instanceActor)]
        )
    }

    public var hostMeta: String { HostMeta.document(publicURL: urls.origin) }

    public var nodeInfoIndex: NodeInfoIndex { NodeInfoIndex(publicURL: urls.origin) }

    /// NodeInfo `2.0` or `2.1`; another version is `notFound`.
    public func nodeInfo(version: String) async throws(SocialError) -> NodeInfo {
        guard ["2.0", "2.1"].contains(version) else { throw SocialError(.notFound, "NodeInfo \(version) is not served; 2.0 and 2.1 are.") }
        let statistics: InstanceStatistics
        do { statistics = try await core.statistics() } catch { throw LocalActors.socialError(error) }
        return NodeInfo(
            version: version,
            softwareName: "scribe",
            softwareVersion: ScribeVersion.current,
            repository: nil,
            homepage: nil,
            openRegistrations: settings.openRegistrations,
            users: statistics.users,
            activeMonth: statistics.activeMonth,
            activeHalfyear: statistics.activeHalfyear,
            localPosts: statistics.publishedItems,
            nodeName: settings.name,
            nodeDescription: settings.description
        )
    }
}
