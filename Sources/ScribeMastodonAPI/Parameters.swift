import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeWeb

/// A Mastodon request's parameters, wherever the app put them: the query string, a form body
/// (`application/x-www-form-urlencoded`, as Mastodon.py, Tusky and Phanpy send), or a JSON body.
/// Lists arrive as `key[]=…` (or a JSON array) and are read back under `key`.
struct Parameters: Sendable {
    private var values: [String: [String]] = [:]
    /// The files of a `multipart/form-data` body, by field name.
    private(set) var files: [String: Data] = [:]

    /// The largest body a client API request may carry, but for uploads (``maximumUpload``).
    static let maximumBody = 256 * 1024
    /// The largest upload: an avatar (1 MB) and a header (2 MB) together, with room to spare.
    static let maximumUpload = 4 << 20

    static func read(_ request: Request, context: some RequestContext, maximumBody: Int = maximumBody) async throws -> Parameters {
        var parameters = Parameters()
        for (key, value) in request.uri.queryParameters {
            parameters.add(String(key), String(value).removingPercentEncoding ?? String(value))
        }
        guard request.method != .get, request.method != .head else { return parameters }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let collected: ByteBuffer
        do {
            collected = try await request.body.collect(upTo: maximumBody)
        } catch {
            throw MastodonError(.contentTooLarge, "The request body is too large")
        }
        let body = Data(collected.readableBytesView)
        guard !body.isEmpty else { return parameters }
        if contentType.hasPrefix("application/json") {
            guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: body) else {
                throw MastodonError(.badRequest, "The request body is not a JSON object")
            }
            for (key, value) in object { parameters.add(json: key, value) }
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") || contentType.isEmpty {
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                // `=value` names nothing: it is left out, as Rack leaves it.
                guard let key = parts.first, !key.isEmpty else { continue }
                parameters.add(key, parts.count > 1 ? parts[1] : "")
            }
        } else if contentType.hasPrefix("multipart/form-data") {
            guard let form = WebForm.multipart(collected, contentType: request.headers[.contentType] ?? "") else {
                throw MastodonError(.badRequest, "The multipart body is malformed")
            }
            for (key, value) in form.fields { parameters.add(key, value) }
            parameters.files = form.files
        } else {
            throw MastodonError(.unsupportedMediaType, "Unsupported content type")
        }
        return parameters
    }

    private mutating func add(_ key: String, _ value: String) {
        let name = key.hasSuffix("[]") ? String(key.dropLast(2)) : key
        values[name, default: []].append(value)
    }

    private mutating func add(json key: String, _ value: JSONValue) {
        switch value {
        case .array(let list):
            for (index, element) in list.enumerated() {
                // A list of objects (`fields_attributes`) is numbered, as a form numbers it.
                if case .object = element { add(json: "\(key)[\(index)]", element) } else { add(json: key, element) }
            }
        case .string(let text): add(key, text)
        case .bool(let flag): add(key, flag ? "true" : "false")
        case .integer(let number): add(key, String(number))
        case .number(let number): add(key, String(number))
        case .object(let object): for (inner, element) in object { add(json: "\(key)[\(inner)]", element) }
        case .null: break
        }
    }

    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first else { return nil }
        return value
    }

    func list(_ name: String) -> [String] { values[name] ?? [] }

    /// Every parameter's name.
    var keys: Dictionary<String, [String]>.Keys { values.keys }

    /// A present, non-empty parameter, or 400 naming it.
    func required(_ name: String) throws(MastodonError) -> String {
        guard let value = self[name], !value.isEmpty else { throw .missing(name) }
        return value
    }

    /// A boolean as Mastodon casts one (`1`, `true`, `on`… are true); absent is `fallback`.
    func bool(_ name: String, default fallback: Bool = false) -> Bool {
        guard let value = self[name]?.lowercased(), !value.isEmpty else { return fallback }
        return !["0", "false", "f", "off", "no", "n", "none", "null"].contains(value)
    }

    /// `limit`: the default when absent, at most twice it, a negative one is 400.
    func limit(default fallback: Int) throws(MastodonError) -> Int {
        guard let text = self["limit"], !text.isEmpty else { return fallback }
        guard let value = Int(text) else { throw MastodonError(.badRequest, "limit must be a number") }
        guard value >= 0 else { throw MastodonError(.badRequest, "limit must not be negative") }
        return min(max(value, 1), fallback * 2)
    }

    /// An id parameter (`max_id`, `since_id`, `min_id`): a number, or nil when absent or not one
    /// of ours (an unknown cursor pages from the newest, as Mastodon does with a bad one).
    func id(_ name: String) -> Int64? { self[name].flatMap { Int64($0) } }
}
