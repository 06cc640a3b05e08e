import ActivityPubKit
import Crypto
import Foundation
import ScribeTestSupport
import Testing

/// Our signatures against an independent implementation: `scripts/signature_interop.py`, on
/// Python's `cryptography`, which rebuilds every signing base itself. `scripts/test` prepares it
/// and sets `SCRIBE_PYTHON`; without it these tests are skipped, never passed.
@Suite("HTTP Signatures interoperate with an independent implementation", .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil))
struct SignatureInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/signature_interop.py").path

    /// Runs the script; returns its exit status and standard output.
    static func python(_ arguments: [String]) async throws -> (Int32, Data) {
        let result = try await ChildProcess.run(ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] ?? "/usr/bin/python3", [script] + arguments)
        return (result.status, result.output)
    }

    static let cases: [(HTTPSignatureVerifier.Scheme, String)] = [
        (.draftCavage, "rsa"), (.draftCavage, "ed25519"), (.rfc9421, "rsa"), (.rfc9421, "ed25519"),
    ]

    @Test("signatures we make verify with the independent implementation", arguments: cases)
    func oursVerifyWithTheirs(scheme: HTTPSignatureVerifier.Scheme, keyType: String) async throws {
        let key: SignaturePrivateKey = keyType == "rsa" ? try .generateRSA() : .ed25519(Curve25519.Signing.PrivateKey())
        let body = #"{"type":"Create","object":{"type":"Note","content":"<p>Hello</p>"}}"#
        var request = SignedRequest(
            method: "POST",
            path: "/inbox?page=1",
            authority: "remote.example",
            scheme: "https",
            headers: [("Content-Type", "application/activity+json")],
            body: Data(body.utf8)
        )
        try HTTPSignatureSigner.sign(&request, scheme: scheme, keyID: "https://scribe.example/users/alice#main-key", key: key)
        var headers: [String: String] = [:]
        for (name, value) in request.headers where name != "host" { headers[name] = value }
        let document: [String: Any] = [
            "method": "POST", "path": request.path, "host": request.authority, "scheme": "https", "headers": headers, "body": body,
            "public_key_pem": key.publicKey.pem,
        ]
        let file = NSTemporaryDirectory() + "scribe-interop-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try await Self.python(["verify", file]).0 == 0)

        // And the check is real: a changed body does not verify there either.
        var tampered = document
        tampered["body"] = body + " "
        try JSONSerialization.data(withJSONObject: tampered).write(to: URL(fileURLWithPath: file))
        #expect(try await Self.python(["verify", file]).0 != 0)
    }

    @Test("signatures the independent implementation makes verify with ours", arguments: cases)
    func theirsVerifyWithOurs(scheme: HTTPSignatureVerifier.Scheme, keyType: String) async throws {
        let (status, output) = try await Self.python(["sign", scheme.rawValue, keyType])
        #expect(status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let headers = (document["headers"] as? [String: String] ?? [:]).map { ($0.key, $0.value) }
        let request = SignedRequest(
            method: "POST",
            path: document["path"] as? String ?? "",
            authority: document["host"] as? String ?? "",
            scheme: "https",
            headers: headers,
            body: Data((document["body"] as? String ?? "").utf8)
        )
        let key = try SignaturePublicKey(pem: document["public_key_pem"] as? String ?? "")
        let verified = try await HTTPSignatureVerifier().verify(request) { _ in key }
        #expect(verified.scheme == scheme && verified.keyID == "https://remote.example/users/bob#main-key")
    }
}
