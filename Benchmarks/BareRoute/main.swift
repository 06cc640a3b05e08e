// A bare Hummingbird 2 server with one route, `GET /healthz`: what the framework alone serves on
// this machine, measured by `scribe-bench` in the same run as Scribe's own trivial route, so that
// Scribe's per-request cost is read against it rather than against a number from elsewhere.
//
//     bench-bare-route PORT

import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8080
let router = Router()
router.get("healthz") { _, _ -> Response in
    Response(
        status: .ok,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))
    )
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
