import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

/// A user of the API in these tests: a session token and JSON in, status and JSON out.
struct APIUser {
    let client: any TestClientProtocol
    let token: String?

    static func register(_ client: any TestClientProtocol, _ username: String) async throws -> APIUser {
        let reply = try await APIUser(client: client, token: nil).send(
            .post,
            "/api/v1/accounts",
            #"{"username":"\#(username)","email":"\#(username)@example.org","password":"correct horse battery"}"#
        )
        let token = try #require(((reply.json["session"] as? [String: Any])?["token"]) as? String)
        return APIUser(client: client, token: token)
    }

    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
        }
    }

    /// Creates a character from `card` (JSON) and publishes it; returns its id.
    func publishCharacter(_ card: String) async throws -> String {
        let created = try await send(.post, "/api/v1/characters", #"{"card":\#(card)}"#)
        let id = try #require((created.json["character"] as? [String: Any])?["id"] as? String)
        try #require(try await send(.put, "/api/v1/characters/\(id)/visibility", #"{"sharing_visibility":"public"}"#).status == .ok)
        return id
    }

    /// Waits until the marketplace lists `id`.
    func awaitListing(_ id: String) async throws {
        try #require(try await eventually(timeout: .seconds(10)) { try await send(.get, "/api/v1/marketplace/listings/\(id)").status == .ok })
    }
}

@Suite("Purchases through Stripe")
struct PurchasesTests {
    static func stripeFlags(_ stripe: TestStripe) -> [String: String] {
        [
            "STRIPE_SECRET_KEY": stripe.secretKey, "STRIPE_WEBHOOK_SECRET": "whsec_rolled_out_one, \(stripe.webhookSecret)",
            "STRIPE_API_BASE": stripe.apiBase,
        ]
    }

    static func entitlements(_ database: Database) async throws -> Int {
        try await database.owner.query("SELECT count(*)::int FROM marketplace.entitlements", logger: TestLogger.make("probe"))
            .collect().first?.decode(Int.self) ?? -1
    }

    @Test("a paid item shows others a preview; buying goes through Stripe Checkout; only the signed webhook grants it, once")
    func buyThroughCheckout() async throws {
        try await withTestStripe { stripe in
            try await withTestServer(flags: Self.stripeFlags(stripe)) { client, database in
                let alice = try await APIUser.register(client, "alice")
                let bob = try await APIUser.register(client, "bob")
                let anonymous = APIUser(client: client, token: nil)
                let id = try await alice.publishCharacter(
                    #"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Lighthouse Keeper","description":"Keeps the light; the secret prompt text.","creator_notes":"A patient keeper.","tags":["sea"]}}"#
                )
                try await alice.awaitListing(id)
                let webhook = "/api/v1/marketplace/stripe/webhook"

                #expect(
                    try await bob.send(.put, "/api/v1/marketplace/listings/\(id)/price", #"{"amount":499,"currency":"usd"}"#).status == .forbidden
                )
                #expect(
                    try await alice.send(.put, "/api/v1/marketplace/listings/\(id)/price", #"{"amount":10,"currency":"usd"}"#).status
                        == .unprocessableContent
                )
                #expect(
                    try await alice.send(.put, "/api/v1/marketplace/listings/\(id)/price", #"{"amount":499,"currency":"USD!"}"#).status
                        == .unprocessableContent
                )
                #expect(
                    try await alice.send(.put, "/api/v1/marketplace/listings/\(id)/price", #"{"amount":499,"currency":"usd"}"#).status == .noContent
                )

                // Others see the preview: the listing and its notes, never the prompt text.
                for viewer in [bob, anonymous] {
                    let detail = try await viewer.send(.get, "/api/v1/marketplace/listings/\(id)")
                    let item = try #require(detail.json["item"] as? [String: Any])
                    #expect(item["is_preview"] as? Bool == true)
                    #expect(!String(decoding: detail.body, as: UTF8.self).contains("secret prompt text"))
                    #expect(String(decoding: detail.body, as: UTF8.self).contains("A patient keeper."))
                    let price = (detail.json["listing"] as? [String: Any])?["price"] as? [String: Any]
                    #expect(price?["amount"] as? Int == 499 && price?["currency"] as? String == "usd")
                    let download = try await viewer.send(.get, "/api/v1/marketplace/listings/\(id)/download")
                    #expect(download.status.code == 402 && download.errorCode == "payment_required")
                }
                #expect(try await bob.send(.post, "/api/v1/marketplace/listings/\(id)/fork").status.code == 402)
                // Core's own shared page and the federated object honour it too.
                #expect(
                    !String(decoding: try await anonymous.send(.get, "/api/v1/shared/characters/\(id)").body, as: UTF8.self).contains(
                        "secret prompt text"
                    )
                )
                // The owner still sees everything.
                #expect(
                    String(decoding: try await alice.send(.get, "/api/v1/marketplace/listings/\(id)/download").body, as: UTF8.self).contains(
                        "secret prompt text"
                    )
                )

                // Buying: a Checkout Session made through Stripe's API, with the attempt as idempotency key.
                #expect(try await alice.send(.post, "/api/v1/marketplace/listings/\(id)/purchase").status == .conflict)
                let checkout = try await bob.send(.post, "/api/v1/marketplace/listings/\(id)/purchase")
                #expect(checkout.status == .created)
                let purchaseID = try #require(checkout.json["purchase_id"] as? String).lowercased()
                #expect((checkout.json["checkout_url"] as? String)?.hasPrefix("https://checkout.stripe.com/") == true)
                let request = try #require(await stripe.requests.first)
                #expect(await stripe.requests.count == 1)
                #expect(request.idempotencyKey == purchaseID && request.fields["client_reference_id"] == purchaseID)
                #expect(
                    request.fields["line_items[0][price_data][unit_amount]"] == "499"
                        && request.fields["line_items[0][price_data][currency]"] == "usd"
                )
                #expect(request.fields["line_items[0][price_data][product_data][name]"] == "Lighthouse Keeper")
                #expect(
                    try await bob.send(.get, "/api/v1/marketplace/purchases/\(purchaseID)").json["purchase"].flatMap {
                        ($0 as? [String: Any])?["status"] as? String
                    } == "pending"
                )
                // Stripe sends the buyer back to the item's page, which says how the purchase stands (to the buyer alone).
                let itemPage = try #require(URL(string: request.fields["cancel_url"] ?? ""))
                #expect(itemPage.path == "/characters/\(id.lowercased())")
                #expect(request.fields["success_url"] == itemPage.absoluteString + "?purchase=\(purchaseID)")
                let returnPage = "/characters/\(id)?purchase=\(purchaseID)"
                let page: HTTPFields = [.accept: "text/html"]
                #expect(
                    String(decoding: try await bob.send(.get, returnPage, headers: page).body, as: UTF8.self).contains(
                        "Your payment is being confirmed"
                    )
                )
                #expect(!String(decoding: try await alice.send(.get, returnPage, headers: page).body, as: UTF8.self).contains("Your payment"))

                // Forged, stale, unsigned and malformed deliveries: 400, nothing granted.
                let completed = stripe.event("checkout.session.completed", for: request, eventID: "evt_completed")
                let now = Int(Date().timeIntervalSince1970)
                for header in [
                    stripe.signature(for: completed, secret: "whsec_forged"), stripe.signature(for: completed, timestamp: now - 600),
                    stripe.signature(for: Data("{}".utf8)), "t=\(now)", "v1=00", "",
                ] {
                    let reply = try await anonymous.send(
                        .post,
                        webhook,
                        String(decoding: completed, as: UTF8.self),
                        headers: [HTTPField.Name("Stripe-Signature")!: header]
                    )
                    #expect(reply.status == .badRequest, "\(header)")
                    #expect(reply.errorCode == "invalid_signature")
                }
                let garbage = Data("not json".utf8)
                #expect(
                    try await anonymous.send(
                        .post,
                        webhook,
                        "not json",
                        headers: [HTTPField.Name("Stripe-Signature")!: stripe.signature(for: garbage)]
                    ).status == .badRequest
                )
                #expect(try await Self.entitlements(database) == 0)
                #expect(try await bob.send(.get, "/api/v1/marketplace/listings/\(id)/download").status.code == 402)

                // The genuine event, delivered four times as Stripe retries (each signed afresh), then once replayed as it was.
                var lastHeader = ""
                for retry in 0..<4 {
                    lastHeader = stripe.signature(for: completed, timestamp: now - retry)
                    let reply = try await anonymous.send(
                        .post,
                        webhook,
                        String(decoding: completed, as: UTF8.self),
                        headers: [HTTPField.Name("Stripe-Signature")!: lastHeader]
                    )
                    #expect(reply.status == .ok, "delivery \(retry)")
                }
                let replay = try await anonymous.send(
                    .post,
                    webhook,
                    String(decoding: completed, as: UTF8.self),
                    headers: [HTTPField.Name("Stripe-Signature")!: lastHeader]
                )
                #expect(replay.status == .badRequest)
                #expect(try await Self.entitlements(database) == 1)
                // A late "expired" for the same session does not undo the payment.
                let expired = stripe.event("checkout.session.expired", for: request, eventID: "evt_expired")
                #expect(
                    try await anonymous.send(
                        .post,
                        webhook,
                        String(decoding: expired, as: UTF8.self),
                        headers: [HTTPField.Name("Stripe-Signature")!: stripe.signature(for: expired)]
                    ).status == .ok
                )
                #expect(
                    try await bob.send(.get, "/api/v1/marketplace/purchases/\(purchaseID)").json["purchase"].flatMap {
                        ($0 as? [String: Any])?["status"] as? String
                    } == "paid"
                )
                #expect(try await Self.entitlements(database) == 1)
                #expect(String(decoding: try await bob.send(.get, returnPage, headers: page).body, as: UTF8.self).contains("Thank you for buying it"))

                // Bob now has it in full: detail, downloads and a fork.
                let detail = try await bob.send(.get, "/api/v1/marketplace/listings/\(id)")
                #expect((detail.json["item"] as? [String: Any])?["is_preview"] as? Bool == false)
                #expect(
                    String(decoding: try await bob.send(.get, "/api/v1/marketplace/listings/\(id)/download").body, as: UTF8.self).contains(
                        "secret prompt text"
                    )
                )
                #expect(try await bob.send(.post, "/api/v1/marketplace/listings/\(id)/fork").status == .created)
                #expect(try await bob.send(.post, "/api/v1/marketplace/listings/\(id)/purchase").status == .conflict)
                #expect(await stripe.requests.count == 1)
                // Anyone else still sees the preview.
                #expect(try await anonymous.send(.get, "/api/v1/marketplace/listings/\(id)/download").status.code == 402)

                // Taken off sale, it is free to all again.
                #expect(try await alice.send(.delete, "/api/v1/marketplace/listings/\(id)/price").status == .noContent)
                #expect(try await anonymous.send(.get, "/api/v1/marketplace/listings/\(id)/download").status == .ok)
            }
        }
    }

    @Test("without Stripe configured, sales are off and say so")
    func salesOff() async throws {
        try await withTestServer { client, database in
            let alice = try await APIUser.register(client, "alice")
            let id = try await alice.publishCharacter(#"{"name":"Free Spirit"}"#)
            try await alice.awaitListing(id)
            let price = try await alice.send(.put, "/api/v1/marketplace/listings/\(id)/price", #"{"amount":499,"currency":"usd"}"#)
            #expect(price.status == .conflict && price.errorCode == "sales_disabled")
            let webhook = try await alice.send(
                .post,
                "/api/v1/marketplace/stripe/webhook",
                "{}",
                headers: [HTTPField.Name("Stripe-Signature")!: "t=1,v1=00"]
            )
            #expect(webhook.status == .conflict && webhook.errorCode == "sales_disabled")
            #expect(try await Self.entitlements(database) == 0)
        }
    }

    @Test("when Stripe refuses, the purchase fails with 502 and grants nothing")
    func stripeRefuses() async throws {
        try await withTestStripe { stripe in
            var flags = Self.stripeFlags(stripe)
            flags["STRIPE_SECRET_KEY"] = "sk_test_wrong"
            try await withTestServer(flags: flags) { client, database in
                let alice = try await APIUser.register(client, "alice")
                let bob = try await APIUser.register(client, "bob")
                let id = try await alice.publishCharacter(#"{"name":"Costly"}"#)
                try await alice.awaitListing(id)
                #expect(
                    try await alice.send(.put, "/api/v1/marketplace/listings/\(id)/price", #"{"amount":999,"currency":"eur"}"#).status == .noContent
                )
                let reply = try await bob.send(.post, "/api/v1/marketplace/listings/\(id)/purchase")
                #expect(reply.status == .badGateway && reply.errorCode == "payment_provider_failed")
                #expect(!String(decoding: reply.body, as: UTF8.self).contains("sk_test"))
                let purchases = try await bob.send(.get, "/api/v1/marketplace/purchases").json["purchases"] as? [[String: Any]]
                #expect(purchases?.map { $0["status"] as? String } == ["failed"])
                #expect(try await Self.entitlements(database) == 0)
            }
        }
    }
}
