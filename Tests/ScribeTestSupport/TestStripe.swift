import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Stripe's API as far as the marketplace uses it, on loopback: `POST /v1/checkout/sessions`
/// checked the way Stripe's API checks it (bearer secret key, form encoding, an idempotency key,
/// the required fields), answering a Checkout Session, and the same session again for a repeated
/// idempotency key. It also signs webhook events as Stripe documents.
public final class TestStripe: Sendable {
    public let apiBase: String
    public let secretKey = "sk_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    public let webhookSecret = "whsec_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    private let state = State()

    /// One Checkout Session request as it arrived, form fields decoded.
    public struct SessionRequest: Sendable {
        public var idempotencyKey: String
        public var fields: [String: String]
        public var sessionID: String
    }

    actor State {
        var requests: [SessionRequest] = []
        var sessions: [String: String] = [:]

        func session(for key: String, fields: [String: String]) -> String {
            let id = sessions[key] ?? "cs_test_\(sessions.count + 1)_" + UUID().uuidString.prefix(8)
            sessions[key] = id
            requests.append(SessionRequest(idempotencyKey: key, fields: fields, sessionID: id))
            return id
        }
    }

    init(apiBase: String) { self.apiBase = apiBase }

    /// The Checkout Session requests received, in order.
    public var requests: [SessionRequest] { get async { await state.requests } }

    /// The `Stripe-Signature` header Stripe would send for `payload` at `timestamp`, signed with `secret`.
    public func signature(for payload: Data, timestamp: Int = Int(Date().timeIntervalSince1970), secret: String? = nil) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).".utf8) + payload,
            using: SymmetricKey(data: Data((secret ?? webhookSecret).utf8))
        )
        let v1 = mac.map { String(format: "%02x", $0) }.joined()
        // Test mode adds a v0 signature, which must be ignored.
        return "t=\(timestamp),v1=\(v1),v0=\(String(repeating: "0", count: 64))"
    }

    /// A `checkout.session.*` event as Stripe sends it for a session made from `request`.
    public func event(
        _ type: String,
        for request: SessionRequest,
        paymentStatus: String = "paid",
        eventID: String = "evt_" + UUID().uuidString
    ) -> Data {
        let session: [String: Any] = [
            "id": request.sessionID, "object": "checkout.session", "mode": "payment", "payment_status": paymentStatus,
            "status": type == "checkout.session.expired" ? "expired" : "complete",
            "client_reference_id": request.fields["client_reference_id"] ?? NSNull(),
            "amount_total": Int(request.fields["line_items[0][price_data][unit_amount]"] ?? "0") ?? 0,
            "currency": request.fields["line_items[0][price_data][currency]"] ?? "",
            "metadata": ["purchase_id": request.fields["metadata[purchase_id]"] ?? ""],
        ]
        let event: [String: Any] = [
            "id": eventID, "object": "event", "type": type, "api_version": "2024-06-20", "created": Int(Date().timeIntervalSince1970),
            "livemode": false, "data": ["object": session],
        ]
        return try! JSONSerialization.data(withJSONObject: event)
    }

    func handle(_ request: Request) async throws -> Response {
        func refuse(_ status: HTTPResponse.Status, _ message: String) -> Response {
            let body = try! JSONSerialization.data(withJSONObject: ["error": ["type": "invalid_request_error", "message": message]])
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        guard request.headers[.authorization] == "Bearer \(secretKey)" else { return refuse(.unauthorized, "Invalid API Key provided.") }
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            return refuse(.badRequest, "Invalid request: expected form encoding.")
        }
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty, key.count <= 255 else {
            return refuse(.badRequest, "This test endpoint expects an Idempotency-Key on every attempt.")
        }
        let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard parts.count == 2 else { return refuse(.badRequest, "Malformed form body.") }
            fields[parts[0]] = parts[1]
        }
        for required in [
            "mode", "success_url", "cancel_url", "line_items[0][quantity]", "line_items[0][price_data][currency]",
            "line_items[0][price_data][unit_amount]", "line_items[0][price_data][product_data][name]",
        ] where fields[required]?.isEmpty ?? true {
            return refuse(.badRequest, "Missing required param: \(required).")
        }
        guard fields["mode"] == "payment", Int(fields["line_items[0][price_data][unit_amount]"] ?? "") != nil,
            URL(string: fields["success_url"] ?? "")?.scheme != nil
        else { return refuse(.badRequest, "Invalid param.") }
        let id = await state.session(for: key, fields: fields)
        let session = try JSONSerialization.data(withJSONObject: [
            "id": id, "object": "checkout.session", "mode": "payment", "payment_status": "unpaid", "status": "open",
            "url": "https://checkout.stripe.com/c/pay/\(id)",
        ])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: session)))
    }
}

/// Runs `body` with a ``TestStripe`` listening on a free loopback port.
public func withTestStripe<Result: Sendable>(_ body: @escaping @Sendable (TestStripe) async throws -> Result) async throws -> Result {
    let host = "127.0.0.1"
    let port = try freePort(host: host)
    let stripe = TestStripe(apiBase: "http://\(host):\(port)")
    let router = Router()
    router.post("v1/checkout/sessions") { request, _ in try await stripe.handle(request) }
    router.get("health") { _, _ in "ok" }
    return try await withLoopbackApplication(router, host: host, port: port, probePath: "/health") { try await body(stripe) }
}
