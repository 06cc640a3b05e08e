import Foundation

/// Where a PostgreSQL database is and who to log in as: parsed from `DATABASE_URL`, or
/// produced by the embedded cluster.
public struct DatabaseLocation: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int, tls: TLSMode)
        case unixSocket(path: String)
    }

    /// `sslmode` from the URL, reduced to what PostgresNIO distinguishes.
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String

    public init(endpoint: Endpoint, username: String, password: String?, database: String) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
    }

    /// The same server and login, another database (tests clone a database per test).
    public func with(database: String) -> DatabaseLocation {
        var copy = self
        copy.database = database
        return copy
    }

    /// A description safe for logs and errors: never includes the password.
    public var redacted: String {
        switch endpoint {
        case .tcp(let host, let port, _): "\(username)@\(host):\(port)/\(database)"
        case .unixSocket(let path): "\(username)@[\(path)]/\(database)"
        }
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=...`.
    ///
    /// A `host` query parameter that starts with `/` names a socket directory, as libpq accepts
    /// (`postgres://scribe@/scribe?host=/run/postgresql`).
    public init(url string: String) throws(StorageError) {
        guard let components = URLComponents(string: string) else {
            throw .invalidDatabaseURL("not a URL")
        }
        guard let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw .invalidDatabaseURL("the scheme must be postgres:// or postgresql://")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw .invalidDatabaseURL("a user name is required (postgres://USER@host/database)")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard let database = path.removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            throw .invalidDatabaseURL("a database name is required (postgres://user@host/DATABASE)")
        }
        let tls: TLSMode
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        case let other: throw .invalidDatabaseURL("unknown sslmode '\(other)'")
        }
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            endpoint = .unixSocket(path: "\(socketDirectory)/.s.PGSQL.\(port)")
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw .invalidDatabaseURL("a host is required (postgres://user@HOST/database)")
            }
            let port = components.port ?? 5432
            guard (1...65535).contains(port) else { throw .invalidDatabaseURL("port \(port) is out of range") }
            endpoint = .tcp(host: host, port: port, tls: tls)
        }
        self.username = user
        self.password = components.password?.removingPercentEncoding
        self.database = database
    }
}
