import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts

/// Creates Stripe Checkout Sessions through Stripe's HTTP API (`POST /v1/checkout/sessions`,
/// form-encoded, the secret key as bearer token). Stripe is a fixed, configured endpoint, not a
/// peer, so this is the one place the marketplace calls out, with the shared client.
///
/// Guarantees: each attempt carries its own idempotency key, so a retried call never makes a
/// second session; the secret key goes only into the `Authorization` header; Stripe's answer is
/// read up to 1 MB within 20 seconds.
struct StripeCheckout: Sendable {
    let settings: StripeSettings
    let logger: Logger

    struct Session: Sendable {
        var id: String
        var url: String
    }

    struct Order: Sendable {
        var attempt: UUID
        var itemID: UUID
        var buyerID: UUID
        var name: String
        var price: Listing.Price
        var successURL: String
        var cancelURL: String
    }

    func createSession(for order: Order) async throws(MarketplaceError) -> Session {
        let fields: [(String, String)] = [
            ("mode", "payment"),
            ("client_reference_id", order.attempt.uuidString.lowercased()),
            ("success_url", order.successURL),
            ("cancel_url", order.cancelURL),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", order.price.currency),
            ("line_items[0][price_data][unit_amount]", String(order.price.amount)),
            ("line_items[0][price_data][product_data][name]", order.name),
            ("metadata[purchase_id]", order.attempt.uuidString.lowercased()),
            ("metadata[item_id]", order.itemID.uuidString.lowercased()),
            ("metadata[buyer_id]", order.buyerID.uuidString.lowercased()),
        ]
        var request = HTTPClientRequest(url: settings.apiBase.appendingPathComponent("v1/checkout/sessions").absoluteString)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(settings.secretKey)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Idempotency-Key", value: order.attempt.uuidString.lowercased())
        request.body = .bytes(ByteBuffer(string: Self.formEncoded(fields)))
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
            status = response.status.code
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            logger.warning("Stripe could not be reached", metadata: ["reason": .string(String(describing: type(of: error)))])
            throw MarketplaceError(.paymentProviderFailed, "The payment provider could not be reached; try again shortly.")
        }
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        guard status == 200, let id = json?["id"] as? String, let url = json?["url"] as? String else {
            let reason = ((json?["error"] as? [String: Any])?["message"] as? String) ?? "status \(status)"
            logger.warning("Stripe refused a Checkout Session", metadata: ["status": .stringConvertible(status), "reason": .string(reason)])
            throw MarketplaceError(.paymentProviderFailed, "The payment provider refused the purchase.")
        }
        return Session(id: id, url: url)
    }

    /// `application/x-www-form-urlencoded`, with Stripe's bracketed keys for nested fields.
    static func formEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
