import Foundation

/// What Social needs to know about the server it runs in.
public struct SocialSettings: Sendable {
    /// The origin every id is built from, e.g. `https://scribe.example`.
    public var publicURL: URL
    /// Federate with `http://` peers on loopback and private addresses (tests, local
    /// development). Off by default; the server logs loudly when it is on.
    public var allowsPrivatePeers: Bool
    /// Serve ActivityPub documents only to signed requests, as Mastodon's secure mode
    /// (`AUTHORIZED_FETCH`): actors, items, comments and collections; never the instance actor,
    /// whose key other servers need to check our own signed fetches.
    public var authorizedFetch: Bool
    /// The server's name and one sentence about it (NodeInfo's `nodeName`, `nodeDescription`).
    public var name: String
    public var description: String
    /// The longest an idle worker waits before it looks for work unasked (a safety net): work is
    /// announced by a ring (``SocialModule/wake(_:)``) and retries and leases by their due time.
    /// A server that listens for the database's notifications sets it long (five minutes);
    /// a module run without them keeps the default and polls.
    public var pollInterval: Duration
    /// Deliveries in flight to one host at a time.
    public var perHostConcurrency: Int
    /// Whether new accounts may register (NodeInfo's `openRegistrations`).
    public var openRegistrations: Bool
    /// How long a claimed delivery stays claimed: if its worker dies mid-send, another worker
    /// sends it again once this has passed. Longer than any one send (the client's 30-second deadline).
    public var deliveryLease: Duration
    /// How long a taken inbound activity stays taken: if its worker dies while fetching what the
    /// activity needs, another takes it once this has passed. Longer than those fetches.
    public var inboxLease: Duration

    public init(
        publicURL: URL,
        allowsPrivatePeers: Bool = false,
        authorizedFetch: Bool = false,
        name: String = "Scribe",
        description: String = "AI-roleplay characters and lorebooks, shared over ActivityPub.",
        pollInterval: Duration = .milliseconds(250),
        perHostConcurrency: Int = 4,
        openRegistrations: Bool = true,
        deliveryLease: Duration = .seconds(120),
        inboxLease: Duration = .seconds(120)
    ) {
        self.deliveryLease = deliveryLease
        self.inboxLease = inboxLease
        self.publicURL = publicURL
        self.allowsPrivatePeers = allowsPrivatePeers
        self.authorizedFetch = authorizedFetch
        self.name = name
        self.description = description
        self.pollInterval = pollInterval
        self.perHostConcurrency = perHostConcurrency
        self.openRegistrations = openRegistrations
    }

    /// `host` or `host:port`, as it appears in handles (`alice@host`).
    public var domain: String {
        let host = publicURL.host() ?? "localhost"
        return publicURL.port.map { "\(host):\($0)" } ?? host
    }
}
