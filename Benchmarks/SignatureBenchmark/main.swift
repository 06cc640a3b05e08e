// Signature throughput: what an inbox can verify and a delivery queue can sign per second, next
// to the raw RSA-2048 operations underneath, on this machine. Not a test: it prints figures.
//
//     swift run -c release signature-benchmark [seconds-per-case] [only-cases-containing]
//
// Record results in docs/benchmarks.md.

import ActivityPubKit
import Crypto
import CryptoExtras
import Foundation

let secondsPerCase = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2
let filter = CommandLine.arguments.dropFirst(2).first

/// Runs `operation` repeatedly for about `secondsPerCase` seconds; answers operations per second.
func rate(_ operation: () throws -> Void) rethrows -> Double {
    for _ in 0..<20 { try operation() }  // warm up
    let clock = ContinuousClock()
    let budget = Duration.milliseconds(Int64(secondsPerCase * 1000))
    var count = 0
    let start = clock.now
    while clock.now - start < budget {
        for _ in 0..<10 { try operation() }
        count += 10
    }
    let elapsed = clock.now - start
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// Measures and prints one case, unless the filter leaves it out.
func report(_ name: String, _ operation: () throws -> Void) rethrows {
    if let filter, !name.contains(filter) { return }
    let perSecond = try rate(operation)
    print(name.padding(toLength: 66, withPad: " ", startingAt: 0), String(format: "%10.0f /s   %8.1f µs", perSecond, 1e6 / perSecond))
}

let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
let ed25519 = Curve25519.Signing.PrivateKey()
let body = Data(
    #"{"@context":"https://www.w3.org/ns/activitystreams","id":"https://remote.example/activities/1","type":"Like","actor":"https://remote.example/users/bob","object":"https://scribe.example/characters/42"}"#
        .utf8
)
let keyID = "https://remote.example/users/bob#main-key"

func inboxPost() -> SignedRequest {
    SignedRequest(
        method: "POST",
        path: "/users/alice/inbox",
        authority: "scribe.example",
        scheme: "https",
        headers: [("Content-Type", "application/activity+json")],
        body: body
    )
}

/// A typical draft-cavage signing string, for the raw operations to work on.
let signingString = Data(
    "(request-target): post /users/alice/inbox\nhost: scribe.example\ndate: \(HTTPDate.string(from: Date()))\ndigest: SHA-256=\(Data(SHA256.hash(data: body)).base64EncodedString())"
        .utf8
)
let rawSignature = try rsa.signature(for: signingString, padding: .insecurePKCS1v1_5)

print("Signature benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(secondsPerCase) s per case, one thread")
try report("raw RSA-2048 PKCS#1 v1.5 SHA-256 sign") { _ = try rsa.signature(for: signingString, padding: .insecurePKCS1v1_5) }
report("raw RSA-2048 PKCS#1 v1.5 SHA-256 verify") {
    precondition(rsa.publicKey.isValidSignature(rawSignature, for: signingString, padding: .insecurePKCS1v1_5))
}
try report("raw Ed25519 sign") { _ = try ed25519.signature(for: signingString) }
let edSignature = try ed25519.signature(for: signingString)
report("raw Ed25519 verify") { precondition(ed25519.publicKey.isValidSignature(edSignature, for: signingString)) }

let verifier = HTTPSignatureVerifier()
for (scheme, label) in [(HTTPSignatureVerifier.Scheme.draftCavage, "draft-cavage"), (.rfc9421, "RFC 9421")] {
    for (key, keyName) in [(SignaturePrivateKey.rsa(rsa), "RSA-2048"), (.ed25519(ed25519), "Ed25519")] {
        try report("ActivityPubKit \(label) \(keyName) sign POST (digest + headers)") {
            var request = inboxPost()
            try HTTPSignatureSigner.sign(&request, scheme: scheme, keyID: keyID, key: key)
        }
        var signed = inboxPost()
        try HTTPSignatureSigner.sign(&signed, scheme: scheme, keyID: keyID, key: key)
        let publicKey = key.publicKey
        let request = signed
        try report("ActivityPubKit \(label) \(keyName) verify POST (parse + digest)") {
            _ = try verifier.verify(try verifier.candidate(for: request), of: request, with: publicKey)
        }
    }
}
