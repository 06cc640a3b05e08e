import ActivityPubKit
import Crypto
import CryptoExtras
import Foundation
import Testing

@Suite("Signing and verifying HTTP signatures")
struct HTTPSignatureTests {
    static let keys: [SignaturePrivateKey] = [(try? SignaturePrivateKey.generateRSA())!, .ed25519(Curve25519.Signing.PrivateKey())]

    static func request(_ method: String = "POST", body: String? = #"{"type":"Follow"}"#) -> SignedRequest {
        SignedRequest(
            method: method,
            path: "/users/alice/inbox?x=1",
            authority: "scribe.example",
            scheme: "https",
            headers: [("Content-Type", "application/activity+json")],
            body: body.map { Data($0.utf8) }
        )
    }

    @Test("what we sign verifies, in both schemes, with RSA and Ed25519 keys", arguments: [HTTPSignatureVerifier.Scheme.draftCavage, .rfc9421])
    func roundTrip(scheme: HTTPSignatureVerifier.Scheme) throws {
        for key in Self.keys {
            for method in ["POST", "GET"] {
                var request = Self.request(method, body: method == "POST" ? #"{"type":"Follow"}"# : nil)
                try HTTPSignatureSigner.sign(&request, scheme: scheme, keyID: "https://scribe.example/users/alice#main-key", key: key)
                let verifier = HTTPSignatureVerifier()
                let candidate = try verifier.candidate(for: request)
                #expect(candidate.keyID == "https://scribe.example/users/alice#main-key" && candidate.scheme == scheme)
                #expect(try verifier.verify(candidate, of: request, with: key.publicKey).scheme == scheme)
            }
        }
    }

    @Test(
        "a changed body, path, method or key, or an old date, is refused with the right reason",
        arguments: [HTTPSignatureVerifier.Scheme.draftCavage, .rfc9421]
    )
    func tampering(scheme: HTTPSignatureVerifier.Scheme) throws {
        let key = Self.keys[0]
        var signed = Self.request()
        try HTTPSignatureSigner.sign(&signed, scheme: scheme, keyID: "k", key: key, at: Date())
        let verifier = HTTPSignatureVerifier()
        func code(_ request: SignedRequest, _ publicKey: SignaturePublicKey) -> SignatureError.Code? {
            do {
                _ = try verifier.verify(try verifier.candidate(for: request), of: request, with: publicKey)
                return nil
            } catch {
                return error.code
            }
        }
        var body = signed
        body.body = Data(#"{"type":"Undo"}"#.utf8)
        #expect(code(body, key.publicKey) == .digestMismatch)
        var path = signed
        path.path = "/users/bob/inbox"
        #expect(code(path, key.publicKey) == .signatureInvalid)
        #expect(code(signed, try SignaturePrivateKey.generateRSA().publicKey) == .signatureInvalid)
        // A key of another type: draft-cavage names rsa-sha256, so that mismatch is caught first.
        #expect(code(signed, Self.keys[1].publicKey) == (scheme == .draftCavage ? .unsupportedAlgorithm : .signatureInvalid))
        var old = Self.request()
        try HTTPSignatureSigner.sign(&old, scheme: scheme, keyID: "k", key: key, at: Date().addingTimeInterval(-3 * 3600))
        #expect(code(old, key.publicKey) == .outsideTimeWindow)
    }

    @Test(
        "hostile Signature headers are typed errors, never crashes",
        arguments: [
            "", "keyId", "keyId=\"a\"", "signature=\"AAAA\"", "keyId=\"a\",keyId=\"b\",signature=\"AAAA\"", "keyId=\"a,signature=\"AAAA\"",
            "keyId=\"a\",signature=\"not base64!\"", String(repeating: "a=\"b\",", count: 5000),
            "keyId=\"a\",algorithm=\"hmac-sha256\",signature=\"AAAA\"",
        ]
    )
    func hostileDraftHeaders(header: String) {
        var request = Self.request("GET", body: nil)
        request.setHeader("Signature", header)
        request.setHeader("Date", HTTPDate.string(from: Date()))
        let verifier = HTTPSignatureVerifier()
        do {
            let candidate = try verifier.candidate(for: request)
            _ = try verifier.verify(candidate, of: request, with: Self.keys[0].publicKey)
            Issue.record("accepted a hostile header")
        } catch {
            #expect([.malformedHeader, .unsupportedAlgorithm, .signatureInvalid, .insufficientCoverage].contains(error.code))
        }
    }

    @Test(
        "hostile RFC 9421 headers are typed errors, never crashes",
        arguments: [
            ("sig1=", "sig1=:AAAA:"), ("sig1=(\"@method\");created=1", "nonsense"), ("sig1=(\"@method\" \"@target-uri\");created=1", "sig1=:AAAA:"),
            ("sig1=(\"@method\";sf \"@target-uri\");created=1;keyid=\"k\"", "sig1=:AAAA:"),
            ("sig1=(\"@unknown\" \"@method\" \"@target-uri\");created=1;keyid=\"k\"", "sig1=:AAAA:"),
            ("sig1=(\"@method\" \"@target-uri\");created=1;keyid=\"k\"", "sig2=:AAAA:"), (String(repeating: "(", count: 10_000), "x"),
        ]
    )
    func hostileRFC9421Headers(input: String, signature: String) {
        var request = Self.request("GET", body: nil)
        request.setHeader("Signature-Input", input)
        request.setHeader("Signature", signature)
        let verifier = HTTPSignatureVerifier(now: { Date(timeIntervalSince1970: 1) })
        do {
            let candidate = try verifier.candidate(for: request)
            _ = try verifier.verify(candidate, of: request, with: Self.keys[0].publicKey)
            Issue.record("accepted a hostile header")
        } catch {
            #expect([.malformedHeader, .unsupportedAlgorithm, .signatureInvalid, .insufficientCoverage].contains(error.code))
        }
    }

    @Test("keys round-trip through PEM: SPKI public, PKCS#8 private; junk is refused")
    func pem() throws {
        for key in Self.keys {
            let reread = try SignaturePrivateKey(pem: key.pem)
            #expect(reread.publicKey.pem == key.publicKey.pem)
            #expect(try SignaturePublicKey(pem: key.publicKey.pem).pem == key.publicKey.pem)
        }
        #expect(Self.keys[0].publicKey.pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(Self.keys[0].pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(throws: SignatureError.self) { try SignaturePublicKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----") }
        #expect(throws: SignatureError.self) { try SignaturePrivateKey(pem: "junk") }
    }

    @Test("HTTP dates read in the three forms RFC 9110 allows and write as IMF-fixdate")
    func dates() {
        let date = Date(timeIntervalSince1970: 1_703_066_400)
        #expect(HTTPDate.string(from: date) == "Wed, 20 Dec 2023 10:00:00 GMT")
        for text in ["Wed, 20 Dec 2023 10:00:00 GMT", "Wednesday, 20-Dec-23 10:00:00 GMT", "Wed Dec 20 10:00:00 2023"] {
            #expect(HTTPDate.date(from: text) == date, "\(text)")
        }
        #expect(HTTPDate.date(from: "wrong date") == nil)
        for impossible in [
            "Wed, 31 Feb 2023 10:00:00 GMT", "Wed, 20 Dec 2023 24:00:00 GMT", "Wed, 20 Dec 2023 10:00:00 PST", "Wed, 20 Dez 2023 10:00:00 GMT",
        ] {
            #expect(HTTPDate.date(from: impossible) == nil, "\(impossible)")
        }
        // Written and read back the same, whatever the date (whole seconds, 1970 to 2100).
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let date = Date(timeIntervalSince1970: TimeInterval(UInt32.random(in: 0...4_102_444_800, using: &generator)))
            #expect(HTTPDate.date(from: HTTPDate.string(from: date)) == date)
        }
    }
}
