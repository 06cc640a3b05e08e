import ActivityPubKit
import Foundation
import ScribeTestFixtures
import Testing

/// Mastodon's own HTTP Signature test vectors (`Tests/Fixtures/http-signatures/`): every valid
/// case verifies, every invalid case fails for the stated reason.
@Suite("Mastodon's HTTP Signature vectors")
struct MastodonSignatureVectorTests {
    struct Vectors: Decodable {
        struct Key: Decodable {
            var keyIds: [String]
            var publicKeyPem: String
        }

        struct Case: Decodable, CustomTestStringConvertible {
            var id: String
            var scheme: String
            var method: String
            var path: String
            var headers: [String: String]
            var body: String?
            var key: String?
            var expect: String
            var reason: String?
            var cause: String?
            var testDescription: String { id }
        }

        var now: String
        var keys: [String: Key]
        var cases: [Case]
    }

    static let vectors: Vectors = {
        // A missing or unreadable file leaves no cases, which the "all there" test reports.
        guard let data = try? Fixtures.data("http-signatures/mastodon-vectors.json"),
            let vectors = try? JSONDecoder().decode(Vectors.self, from: data)
        else {
            return Vectors(now: "", keys: [:], cases: [])
        }
        return vectors
    }()

    /// The code Mastodon's stated reason (or, where it gives none, its cause) stands for.
    static func expectedCode(_ testCase: Vectors.Case) -> SignatureError.Code {
        let reason = testCase.reason ?? ""
        switch true {
        case reason == "Request not signed": return .notSigned
        case reason.hasPrefix("Invalid Date header"): return .invalidDate
        case reason.hasPrefix("Signed request date outside"): return .outsideTimeWindow
        case reason.contains("to be signed when doing a POST"): return .insufficientCoverage
        case reason.hasPrefix("Invalid Digest value"): return .digestMismatch
        case reason.hasPrefix("Content-Digest could not be parsed"): return .malformedDigest
        case reason.hasPrefix("Unable to fetch key"): return .keyUnavailable
        case (testCase.cause ?? "").contains("strength check"): return .insufficientCoverage
        default: return .signatureInvalid
        }
    }

    @Test("the vectors are all there")
    func loaded() {
        #expect(Self.vectors.cases.count == 30)
        #expect(Self.vectors.cases.filter { $0.expect == "valid" }.count == 10)
    }

    @Test("each case verifies or fails as Mastodon says", arguments: vectors.cases)
    func vector(_ testCase: Vectors.Case) async throws {
        let now = try #require(ISO8601DateFormatter().date(from: Self.vectors.now))
        let verifier = HTTPSignatureVerifier(now: { now })
        let host = testCase.headers.first { $0.key.lowercased() == "host" }?.value ?? "www.example.com"
        let request = SignedRequest(
            method: testCase.method,
            path: testCase.path,
            authority: host,
            scheme: "https",
            headers: testCase.headers.filter { $0.key.lowercased() != "host" }.map { ($0.key, $0.value) },
            body: testCase.body.map { Data($0.utf8) }
        )
        let keys = Self.vectors.keys
        let lookup: (String) async throws -> SignaturePublicKey? = { keyID in
            guard let name = testCase.key, let key = keys[name], key.keyIds.contains(keyID) else { return nil }
            return try SignaturePublicKey(pem: key.publicKeyPem)
        }
        do {
            let verified = try await verifier.verify(request, key: lookup)
            #expect(testCase.expect == "valid", "accepted an invalid case: \(testCase.cause ?? "")")
            #expect(verified.scheme.rawValue == testCase.scheme)
        } catch {
            #expect(testCase.expect == "invalid", "rejected a valid case: \(error)")
            if testCase.expect == "invalid" {
                #expect(error.code == Self.expectedCode(testCase), "\(error)")
                if let reason = testCase.reason, error.code != .keyUnavailable { #expect(error.reason == reason) }
            }
        }
    }
}
