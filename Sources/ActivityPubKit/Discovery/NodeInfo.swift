/// NodeInfo 2.0 and 2.1: what server software this is and how many use it. Served as
/// `application/json; charset=utf-8` with no profile parameter (GoToSocial refuses a 2.1 profile).
public struct NodeInfo: Codable, Sendable, Equatable {
    public struct Software: Codable, Sendable, Equatable {
        /// Lower-case letters, digits and dashes.
        public var name: String
        public var version: String
        /// 2.1 only.
        public var repository: String?
        /// 2.1 only.
        public var homepage: String?
    }

    public struct Services: Codable, Sendable, Equatable {
        public var inbound: [String] = []
        public var outbound: [String] = []
    }

    public struct Usage: Codable, Sendable, Equatable {
        public struct Users: Codable, Sendable, Equatable {
            public var total: Int
            public var activeMonth: Int
            public var activeHalfyear: Int
        }

        public var users: Users
        public var localPosts: Int
    }

    public var version: String
    public var software: Software
    public var protocols: [String]
    public var services: Services
    public var openRegistrations: Bool
    public var usage: Usage
    public var metadata: [String: String]

    public static let schema20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
    public static let schema21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"

    /// The document for `version` (`2.0` or `2.1`); 2.0 omits what only 2.1 defines.
    public init(
        version: String,
        softwareName: String,
        softwareVersion: String,
        repository: String? = nil,
        homepage: String? = nil,
        openRegistrations: Bool,
        users: Int,
        activeMonth: Int,
        activeHalfyear: Int,
        localPosts: Int,
        nodeName: String,
        nodeDescription: String
    ) {
        self.version = version
        let is21 = version == "2.1"
        self.software = Software(name: softwareName, version: softwareVersion, repository: is21 ? repository : nil, homepage: is21 ? homepage : nil)
        self.protocols = ["activitypub"]
        self.services = Services()
        self.openRegistrations = openRegistrations
        self.usage = Usage(users: .init(total: users, activeMonth: activeMonth, activeHalfyear: activeHalfyear), localPosts: localPosts)
        self.metadata = ["nodeName": nodeName, "nodeDescription": nodeDescription]
    }
}

/// `/.well-known/nodeinfo`: links to each NodeInfo version the server serves.
public struct NodeInfoIndex: Codable, Sendable, Equatable {
    public struct Link: Codable, Sendable, Equatable {
        public var rel: String
        public var href: String
    }

    public var links: [Link]

    /// Links to `/nodeinfo/2.0` and `/nodeinfo/2.1` under `publicURL`.
    public init(publicURL: String) {
        links = [
            Link(rel: NodeInfo.schema20, href: publicURL + "/nodeinfo/2.0"),
            Link(rel: NodeInfo.schema21, href: publicURL + "/nodeinfo/2.1"),
        ]
    }
}
