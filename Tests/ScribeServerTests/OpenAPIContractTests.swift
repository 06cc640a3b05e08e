import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
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

    static func responseSchema(path: String, status: Int) -> [String: Any]? {
        let paths = document["paths"] as? [String: [String: Any]]
        let responses = (paths?[path]?["get"] as? [String: Any])?["responses"] as? [String: [String: Any]]
        let content = responses?[String(status)]?["content"] as? [String: [String: Any]]
        return content?["application/json"]?["schema"] as? [String: Any]
    }

    @Test("every documented GET answers with a documented status and a body matching its schema")
    func documentedRoutesMatch() async throws {
        let paths = (Self.document["paths"] as? [String: Any])?.keys.sorted() ?? []
        #expect(paths.contains("/healthz") && paths.contains("/readyz"))
        try await withTestServer { client, _ in
            for path in paths {
                let response = try await client.execute(uri: path, method: .get) { $0 }
                let schema = try #require(Self.responseSchema(path: path, status: Int(response.status.code)), "\(path) answered an undocumented \(response.status.code)")
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                #expect(Self.violations(of: body, against: schema) == [], "\(path)")
            }
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
        let broken: [String: Any] = ["status": "ready", "checks": ["database": 1]]
        let problems = Self.violations(of: broken, against: ["$ref": "#/components/schemas/Readiness"])
        #expect(problems.contains("$.checks.migrations: missing"))
        #expect(problems.contains("$.checks.database: expected a string"))
    }
}
