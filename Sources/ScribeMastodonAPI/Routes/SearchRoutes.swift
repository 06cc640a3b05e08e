import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// `GET /api/v2/search`: accounts by handle or name, a status by its URL (a remote handle, or
/// a remote account's or post's URL, fetched when `resolve` is set and someone is signed in),
/// and hashtags.
struct SearchRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    func add(to router: Router<Context>) {
        router.get("api/v2/search", use: search)
    }

    @Sendable func search(_ request: Request, context: Context) async throws -> SearchResults {
        let viewer = try await api.callers.reader(request, context, scope: "read:search")
        let parameters = try await Parameters.read(request, context: context)
        let query = try parameters.required("q").trimmingCharacters(in: .whitespacesAndNewlines)
        let limit = try parameters.limit(default: 20)
        let resolve = parameters.bool("resolve")
        if viewer == nil, resolve || parameters["offset"] != nil {
            throw MastodonError(.unauthorized, "Search queries that resolve remote resources are not supported without authentication")
        }
        guard query.count <= 500 else { return SearchResults(accounts: [], statuses: [], hashtags: []) }
        let type = parameters["type"]
        var results = SearchResults(accounts: [], statuses: [], hashtags: [])

        if type == nil || type == "accounts" {
            var actors: [String] = []
            let handle = query.hasPrefix("@") ? String(query.dropFirst()) : query
            let parts = handle.split(separator: "@", maxSplits: 1).map(String.init)
            if query.hasPrefix("https://") || query.hasPrefix("http://") || parts.count == 2 {
                if let known = parts.count == 2 ? try await api.social.knownActor(username: parts[0], host: parts[1]) : nil {
                    actors.append(known)
                } else if resolve, viewer != nil, let found = try? await api.social.resolveAccount(handle) {
                    actors.append(found)
                }
            } else if !handle.isEmpty {
                actors += try await api.social.searchLocalAccounts(handle, limit: limit)
            }
            let accounts = try await api.presenter.accounts(actors)
            results.accounts = actors.compactMap { accounts[$0] }
        }
        if type == nil || type == "statuses", query.hasPrefix("https://") || query.hasPrefix("http://") {
            // A post of another server is fetched and kept when resolving (signed in); a local
            // one, or one already here, is shown as it is.
            var object = query
            if resolve, viewer != nil, let remembered = try? await api.social.rememberRemoteStatus(query) { object = remembered }
            results.statuses = try await api.presenter.statuses([Presenter.Line(object: object)], viewer: viewer)
        }
        if type == nil || type == "hashtags" {
            let name = query.hasPrefix("#") ? String(query.dropFirst()) : query
            if !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                results.hashtags = [Tag(name: name.lowercased(), url: api.social.urls.tag(name.lowercased()))]
            }
        }
        return results
    }
}
