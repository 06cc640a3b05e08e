import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import ScribeContracts
import ScribeHTTP
import ScribeSocial
import ScribeStorage
import ScribeWeb

/// Mastodon's client API, so people use Scribe from the app they already have (Mastodon's web
/// client, Ivory, Tusky, Elk, Phanpy): OAuth, the instance, accounts, statuses, timelines,
/// notifications and search, in Mastodon's shapes (`docs/mastodon-api.md`).
///
/// It is an HTTP front over Social, as the pages are, and owns the `mastodon` schema: apps,
/// codes, tokens and the numeric ids apps see. A token is not a session: it opens no one's
/// keys, so an app signed in here can never read a private library.
public struct MastodonAPI<Context: SessionContext>: Sendable {
    /// Who this server says it is to apps.
    public struct Instance: Sendable {
        public var name: String
        public var description: String

        public init(name: String, description: String) {
            self.name = name
            self.description = description
        }
    }

    let social: SocialModule
    /// Core, for what only Core changes for a user (her public profile).
    let core: any CoreAPI
    let apps: ClientApps
    let grants: Grants
    let callers: Callers
    let ids: PublicIDs
    let presenter: Presenter
    let media: MediaLibrary
    let idempotencyKeys: IdempotencyKeys
    /// The `mastodon` schema's pool, for what the routes keep themselves (markers).
    let pool: PostgresClient
    let pages: Pages
    let instance: Instance
    let origin: String
    let logger: Logger

    public init(social: SocialModule, core: any CoreAPI, database: Database, pages: Pages, instance: Instance, logger: Logger) {
        let pool = database.pool(for: .mastodon)
        self.social = social
        self.core = core
        self.apps = ClientApps(pool: pool, logger: logger)
        self.grants = Grants(pool: pool, logger: logger)
        self.callers = Callers(grants: grants, social: social)
        self.ids = PublicIDs(pool: pool, logger: logger)
        self.pool = pool
        self.media = MediaLibrary(pool: pool, logger: logger)
        self.idempotencyKeys = IdempotencyKeys(pool: pool, logger: logger)
        self.origin = social.urls.origin
        self.presenter = Presenter(social: social, ids: ids, origin: origin, siteName: instance.name)
        self.pages = pages
        self.instance = instance
        self.logger = logger
    }

    public func add(to router: Router<Context>) {
        OAuthRoutes(apps: apps, grants: grants, callers: callers, pages: pages, origin: origin).add(to: router)
        InstanceRoutes(api: self).add(to: router)
        AccountRoutes(api: self).add(to: router)
        StatusRoutes(api: self).add(to: router)
        TimelineRoutes(api: self).add(to: router)
        NotificationRoutes(api: self).add(to: router)
        SearchRoutes(api: self).add(to: router)
        MarkerRoutes(api: self, pool: pool, logger: logger).add(to: router)
        MediaRoutes(api: self).add(to: router)
    }

    /// Ends every token of a user whose account is gone.
    public func signOutEverywhere(_ user: UUID) async throws {
        try await grants.revokeAll(of: user)
    }

    // MARK: - What the routes share

    /// The actor an account id names, or 404.
    func actor(_ id: String?) async throws -> String {
        guard let id, case .account(let actor) = try await ids.subject(of: id) else { throw MastodonError.notFound }
        return actor
    }

    /// The status line an id names (a status, or a boost of one), or 404.
    func line(_ id: String?) async throws -> Presenter.Line {
        guard let id, let subject = try await ids.subject(of: id) else { throw MastodonError.notFound }
        switch subject {
        case .status(let object): return Presenter.Line(object: object)
        case .boost(let actor, let object): return Presenter.Line(object: object, booster: actor, boostedAt: PublicIDs.date(of: Int64(id) ?? 0))
        case .account: throw MastodonError.notFound
        }
    }

    /// One status as `viewer` may see it, or 404.
    func status(_ line: Presenter.Line, viewer: UUID?) async throws -> Status {
        guard let status = try await presenter.statuses([line], viewer: viewer).first else { throw MastodonError.notFound }
        return status
    }

    func account(_ actor: String) async throws -> Account {
        guard let account = try await presenter.accounts([actor])[actor] else { throw MastodonError.notFound }
        return account
    }

    /// Where an uploaded image is served.
    func mediaURL(_ upload: MediaLibrary.Upload) -> String {
        origin + "/media/\(upload.fileKey)" + (upload.contentType == "image/png" ? ".png" : ".jpg")
    }

    /// The actor id of a local user.
    func actor(of user: UUID) async throws -> String {
        social.urls.actor(try await social.actors.profile(id: user).username)
    }
}

/// A JSON answer with a `Link` header for paging (`docs/mastodon-api.md`).
struct Paged<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var link: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(value, from: request, context: context)
        if let link { response.headers[HTTPField.Name("Link")!] = link }
        return response
    }
}

/// `Link` for a page of a list: `next` with `max_id` = the last item's id, `prev` with `min_id`
/// (or `since_id`) = the first's; none for an empty page.
func pageLink(_ request: Request, origin: String, first: String?, last: String?, previousKey: String = "min_id") -> String? {
    guard let first, let last else { return nil }
    var kept: [URLQueryItem] = []
    for (key, value) in request.uri.queryParameters where !["max_id", "min_id", "since_id"].contains(String(key)) {
        kept.append(URLQueryItem(name: String(key), value: String(value).removingPercentEncoding ?? String(value)))
    }
    func url(_ key: String, _ value: String) -> String {
        var components = URLComponents(string: origin + request.uri.path) ?? URLComponents()
        components.queryItems = kept + [URLQueryItem(name: key, value: value)]
        return components.string ?? ""
    }
    return "<\(url("max_id", last))>; rel=\"next\", <\(url(previousKey, first))>; rel=\"prev\""
}

extension Account: ResponseEncodable {}
extension Status: ResponseEncodable {}
extension Relationship: ResponseEncodable {}
extension StatusContext: ResponseEncodable {}
extension Notification: ResponseEncodable {}
extension SearchResults: ResponseEncodable {}
extension Marker: ResponseEncodable {}
