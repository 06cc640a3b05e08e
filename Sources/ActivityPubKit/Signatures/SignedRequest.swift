import Foundation

/// The parts of an HTTP request that signatures cover, independent of any server framework.
public struct SignedRequest: Sendable {
    /// `GET`, `POST`, ... (any case).
    public var method: String
    /// The request target as sent: path and query.
    public var path: String
    /// The host (and port) the request was sent to: HTTP/1's `Host`.
    public var authority: String
    /// `https` or `http`, for RFC 9421's `@target-uri`.
    public var scheme: String
    public var body: Data?
    private var fields: [String: [String]]

    /// - Parameter headers: the request's header fields; names are matched case-insensitively
    ///   and repeated fields keep every value.
    public init(method: String, path: String, authority: String, scheme: String = "https", headers: [(String, String)], body: Data? = nil) {
        self.method = method
        self.path = path
        self.authority = authority
        self.scheme = scheme
        self.body = body
        var fields: [String: [String]] = [:]
        for (name, value) in headers { fields[name.lowercased(), default: []].append(value) }
        self.fields = fields
    }

    /// A header's values joined as HTTP combines repeated fields (`, `), or nil if absent.
    public func header(_ name: String) -> String? {
        if name.lowercased() == "host" { return authority }
        return fields[name.lowercased()]?.joined(separator: ", ")
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        fields[name.lowercased()] = [value]
    }

    /// Every header, lower-cased name first, for sending.
    public var headers: [(String, String)] {
        fields.sorted { $0.key < $1.key }.flatMap { name, values in values.map { (name, $0) } }
    }

    var isPost: Bool { method.uppercased() == "POST" }
}
