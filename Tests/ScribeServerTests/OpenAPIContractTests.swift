import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeContracts
import ScribeTestFixtures
import ScribeTestSupport
import Testing

/// The live server answers as `schemas/openapi/scribe-api.json` says it does. (The parsed
/// document is read-only after it loads, hence `nonisolated(unsafe)`.)
@Suite("Responses match the OpenAPI document")
struct OpenAPIContractTests {
    nonisolated(unsafe) static let document: [String: Any] = {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: TestPaths.schemasDirectory + "/openapi/scribe-api.json"))) ?? Data()
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }()

    /// Problems with `value` against `schema`, for the keywords the document uses.
    static func violations(of value: Any, against schema: [String: Any], at path: String = "$") -> [String] {
        if let reference = schema["$ref"] as? String {
            let resolved = reference.dropFirst(2).split(separator: "/").reduce(document as Any?) { ($0 as? [String: Any])?[String($1)] }
            guard let resolved = resolved as? [String: Any] else { return ["\(path): unresolvable \(reference)"] }
            return violations(of: value, against: resolved, at: path)
        }
        var problems: [String] = []
        if let constant = schema["const"] as? String, value as? String != constant { problems.append("\(path): expected \(constant)") }
        if let options = schema["enum"] as? [String], !options.contains(value as? String ?? "\u{0}") {
            problems.append("\(path): \(value) is not one of \(options)")
        }
        switch schema["type"] as? String {
        case "string" where !(value is String): problems.append("\(path): expected a string")
        case "object" where !(value is [String: Any]): problems.append("\(path): expected an object")
        default: break
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path).\(key): missing") }
            for (key, property) in schema["properties"] as? [String: [String: Any]] ?? [:] {
                if let member = object[key] { problems += violations(of: member, against: property, at: "\(path).\(key)") }
            }
        }
        return problems
    }

    static func responseSchema(path: String, method: String = "get", status: Int) -> [String: Any]? {
        let paths = document["paths"] as? [String: [String: Any]]
        let responses = (paths?[path]?[method] as? [String: Any])?["responses"] as? [String: [String: Any]]
        var response = responses?[String(status)]
        // A shared response (`#/components/responses/…`) is read where it is defined.
        if let reference = response?["$ref"] as? String {
            response = reference.dropFirst(2).split(separator: "/").reduce(document as Any?) { ($0 as? [String: Any])?[String($1)] } as? [String: Any]
        }
        let content = response?["content"] as? [String: [String: Any]]
        return content?["application/json"]?["schema"] as? [String: Any]
    }

    @Test("the document states the version this build reports everywhere else")
    func version() {
        #expect((Self.document["info"] as? [String: Any])?["version"] as? String == ScribeVersion.current)
    }

    @Test("every documented GET answers with a documented status and a body matching its schema")
    func documentedRoutesMatch() async throws {
        let documented = Self.document["paths"] as? [String: [String: Any]] ?? [:]
        // Templated paths need an id of a real object; the operation tests below cover them.
        let paths = documented.keys.sorted().filter { documented[$0]?["get"] != nil && !$0.contains("{") }
        #expect(paths.contains("/healthz") && paths.contains("/readyz") && paths.contains("/api/v1/accounts/me"))
        try await withTestServer { client, _ in
            for path in paths {
                let response = try await client.execute(uri: path, method: .get) { $0 }
                let schema = try #require(
                    Self.responseSchema(path: path, status: Int(response.status.code)),
                    "\(path) answered an undocumented \(response.status.code)"
                )
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                #expect(Self.violations(of: body, against: schema) == [], "\(path)")
            }
        }
    }

    /// Checks a live response against the document: its status is listed for the operation, and
    /// its JSON body, if the operation documents one, matches the schema.
    static func check(_ response: TestResponse, path: String, method: String) throws {
        let schema = responseSchema(path: path, method: method, status: Int(response.status.code))
        let operation = ((document["paths"] as? [String: [String: Any]])?[path]?[method] as? [String: Any])?["responses"] as? [String: Any]
        #expect(operation?[String(response.status.code)] != nil, "\(method) \(path) answered an undocumented \(response.status.code)")
        if let schema {
            let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
            #expect(violations(of: body, against: schema) == [], "\(method) \(path)")
        }
    }

    @Test("the account operations answer as documented")
    func accountOperationsMatch() async throws {
        try await withTestServer { client, _ in
            let json: HTTPFields = [.contentType: "application/json"]
            func body(_ object: [String: String]) throws -> ByteBuffer { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)) }
            let registered = try await client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: json,
                body: try body(["username": "alice", "email": "alice@example.org", "password": "correct horse battery"])
            ) { $0 }
            try Self.check(registered, path: "/api/v1/accounts", method: "post")
            let duplicate = try await client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: json,
                body: try body(["username": "alice", "email": "alice@example.org", "password": "correct horse battery"])
            ) { $0 }
            try Self.check(duplicate, path: "/api/v1/accounts", method: "post")
            let login = try await client.execute(
                uri: "/api/v1/sessions",
                method: .post,
                headers: json,
                body: try body(["identifier": "alice", "password": "correct horse battery"])
            ) { $0 }
            try Self.check(login, path: "/api/v1/sessions", method: "post")
            let session = try JSONSerialization.jsonObject(with: Data(login.body.readableBytesView)) as? [String: Any]
            let token = try #require((session?["session"] as? [String: Any])?["token"] as? String)
            let me = try await client.execute(uri: "/api/v1/accounts/me", method: .get, headers: [.authorization: "Bearer \(token)"]) { $0 }
            try Self.check(me, path: "/api/v1/accounts/me", method: "get")
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            var upload = bearer
            upload[.contentType] = "application/json"
            let created = try await client.execute(
                uri: "/api/v1/characters",
                method: .post,
                headers: upload,
                body: ByteBuffer(string: #"{"card":{"name":"Pip"}}"#)
            ) { $0 }
            try Self.check(created, path: "/api/v1/characters", method: "post")
            let listed = try await client.execute(uri: "/api/v1/characters", method: .get, headers: bearer) { $0 }
            try Self.check(listed, path: "/api/v1/characters", method: "get")
            let id = try #require(
                ((try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as? [String: Any])?["character"]
                    as? [String: Any])?["id"] as? String
            )
            try Self.check(
                try await client.execute(uri: "/api/v1/characters/\(id)", method: .get, headers: bearer) { $0 },
                path: "/api/v1/characters/{id}",
                method: "get"
            )
            try Self.check(
                try await client.execute(uri: "/api/v1/characters/\(UUID())", method: .get, headers: bearer) { $0 },
                path: "/api/v1/characters/{id}",
                method: "get"
            )
            let published = try await client.execute(
                uri: "/api/v1/characters/\(id)/visibility",
                method: .put,
                headers: upload,
                body: ByteBuffer(string: #"{"sharing_visibility":"public"}"#)
            ) { $0 }
            try Self.check(published, path: "/api/v1/characters/{id}/visibility", method: "put")
            try Self.check(
                try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get) { $0 },
                path: "/api/v1/shared/characters/{id}",
                method: "get"
            )
            try Self.check(
                try await client.execute(uri: "/api/v1/shared/characters/\(UUID())", method: .get) { $0 },
                path: "/api/v1/shared/characters/{id}",
                method: "get"
            )
            let forked = try await client.execute(uri: "/api/v1/shared/characters/\(id)/fork", method: .post, headers: bearer) { $0 }
            try Self.check(forked, path: "/api/v1/shared/characters/{id}/fork", method: "post")
            let logout = try await client.execute(uri: "/api/v1/sessions/current", method: .delete, headers: bearer) { $0 }
            try Self.check(logout, path: "/api/v1/sessions/current", method: "delete")
        }
    }

    @Test("an error body matches the documented Error schema")
    func errorsMatch() async throws {
        try await withTestServer { client, _ in
            let response = try await client.execute(uri: "/missing", method: .get) { $0 }
            let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
            #expect(Self.violations(of: body, against: ["$ref": "#/components/schemas/Error"]) == [])
        }
    }

    @Test("the validator notices a body that breaks the schema")
    func validatorCatchesViolations() {
        let broken: [String: Any] = ["checks": ["database": 1]]
        let problems = Self.violations(of: broken, against: ["$ref": "#/components/schemas/Readiness"])
        #expect(problems.contains("$.status: missing"))
        #expect(problems.contains("$.checks.database: expected a string"))
    }
}
