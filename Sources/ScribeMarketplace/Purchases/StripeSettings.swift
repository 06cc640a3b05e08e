import Foundation

/// The operator's Stripe account, as `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` configure
/// it. Without it the marketplace sells nothing and says so.
public struct StripeSettings: Sendable {
    /// The API secret key (`sk_…`): sent only to Stripe, never logged.
    public var secretKey: String
    /// The webhook endpoint's signing secrets (`whsec_…`); several while one is being rolled.
    public var webhookSecrets: [String]
    /// Where Stripe's API is: `https://api.stripe.com`, or a local endpoint in tests.
    public var apiBase: URL
    /// How old a webhook's signed timestamp may be, as Stripe's libraries default to.
    public var tolerance: TimeInterval

    public init(secretKey: String, webhookSecrets: [String], apiBase: URL = URL(string: "https://api.stripe.com")!, tolerance: TimeInterval = 300) {
        self.secretKey = secretKey
        self.webhookSecrets = webhookSecrets
        self.apiBase = apiBase
        self.tolerance = tolerance
    }
}
