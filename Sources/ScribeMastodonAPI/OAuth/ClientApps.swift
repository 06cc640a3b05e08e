import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The apps people sign in with (`POST /api/v1/apps`): a name, where to send the user back, and
/// the scopes the app may ever ask for.
///
/// Guarantees: a redirect URI is an absolute URI (or the out-of-band one) with no fragment; the
/// secret is shown once, when the app is registered, and kept only as its hash.
struct ClientApps: Sendable {
    struct App: Sendable {
        var id: Int64
        var clientID: String
        var name: String
        var website: String?
        var redirectURIs: [String]
        var scopes: Scopes
    }

    static let outOfBand = "urn:ietf:wg:oauth:2.0:oob"

    let pool: PostgresClient
    let logger: Logger

    /// Registers an app; returns it and its secret.
    func register(name: String, website: String?, redirectURIs text: String, scopes: Scopes) async throws(MastodonError) -> (App, secret: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw .invalid("Name is too long (maximum is 200 characters)") }
        let uris = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !uris.isEmpty, uris.count <= 20 else { throw .invalid("Redirect URI can't be blank") }
        for uri in uris where uri != Self.outOfBand {
            guard uri.count <= 2000, let url = URL(string: uri), let scheme = url.scheme, !scheme.isEmpty, url.fragment == nil,
                scheme != "javascript", scheme != "data"
            else { throw .invalid("Redirect URI must be an absolute URI.") }
        }
        let website = website.flatMap { $0.isEmpty ? nil : $0 }
        if let website, website.count > 2000 || URL(string: website)?.scheme == nil { throw .invalid("Website is invalid") }
        let clientID = Secrets.make()
        let secret = Secrets.make()
        let id = try await database(logger) {
            try await pool.query(
                """
                INSERT INTO mastodon.applications (client_id, client_secret_hash, name, website, redirect_uris, scopes)
                VALUES (\(clientID), \(Secrets.hash(secret)), \(name), \(website), \(uris), \(scopes.names)) RETURNING id
                """,
                logger: logger
            ).collect().first?.decode(Int64.self)
        }
        guard let id else { throw MastodonError(.serviceUnavailable, "The app could not be registered") }
        return (App(id: id, clientID: clientID, name: name, website: website, redirectURIs: uris, scopes: scopes), secret)
    }

    /// The app with `clientID`; with `secret`, only if it is that app's.
    func find(clientID: String, secret: String? = nil) async throws(MastodonError) -> App? {
        guard clientID.count <= 100 else { return nil }
        let row = try await database(logger) {
            try await pool.query(
                "SELECT id, name, website, redirect_uris, scopes, client_secret_hash FROM mastodon.applications WHERE client_id = \(clientID)",
                logger: logger
            ).collect().first
        }
        guard let row else { return nil }
        let (id, name, website, uris, scopes, hash) = try decodeRow(row, as: (Int64, String, String?, [String], [String], Data).self)
        if let secret, !Self.sameBytes(Secrets.hash(secret), hash) { return nil }
        return App(id: id, clientID: clientID, name: name, website: website, redirectURIs: uris, scopes: Scopes(stored: scopes))
    }

    /// The app by its row id.
    func find(id: Int64) async throws(MastodonError) -> App? {
        let row = try await database(logger) {
            try await pool.query(
                "SELECT client_id, name, website, redirect_uris, scopes FROM mastodon.applications WHERE id = \(id)",
                logger: logger
            ).collect().first
        }
        guard let row else { return nil }
        let (clientID, name, website, uris, scopes) = try decodeRow(row, as: (String, String, String?, [String], [String]).self)
        return App(id: id, clientID: clientID, name: name, website: website, redirectURIs: uris, scopes: Scopes(stored: scopes))
    }

    static func sameBytes(_ a: Data, _ b: Data) -> Bool {
        a.count == b.count && zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Runs a database step for the client API: callers see ``MastodonError`` only.
func database<T>(_ logger: Logger, _ body: () async throws -> T) async throws(MastodonError) -> T {
    try await runDatabaseStep(
        logger: logger,
        unavailable: MastodonError(.serviceUnavailable, "The database could not complete the operation; try again shortly."),
        rejected: MastodonError.invalid("a value cannot be stored, such as a NUL character"),
        body
    )
}

func decodeRow<each Column: PostgresDecodable>(_ row: PostgresRow, as type: (repeat each Column).Type) throws(MastodonError) -> (repeat each Column) {
    do {
        return try row.decode(type)
    } catch {
        throw MastodonError(.serviceUnavailable, "A stored record could not be read")
    }
}
