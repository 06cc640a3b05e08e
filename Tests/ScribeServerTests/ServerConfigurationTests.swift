import Foundation
import Logging
import ScribeMarketplace
import ScribeServer
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Resolving the configuration")
struct ServerConfigurationTests {
    let base = ["SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory]

    @Test("the defaults are the embedded database on 127.0.0.1:8080 for http://localhost:8080")
    func defaults() throws {
        let configuration = try ServerConfiguration.resolve(flags: [:], environment: base)
        #expect(configuration.publicURL.absoluteString == "http://localhost:8080")
        #expect(configuration.bindHost == "127.0.0.1")
        #expect(configuration.bindPort == 8080)
        #expect(configuration.database == nil)
        #expect(configuration.dataDirectory == "./.scribe")
        #expect(configuration.masterKey == nil)
        #expect(configuration.logLevel == .info)
    }

    @Test("a flag wins over its environment variable; an empty value counts as unset")
    func flagsWin() throws {
        let configuration = try ServerConfiguration.resolve(
            flags: ["SCRIBE_BIND": "0.0.0.0:9000", "SCRIBE_LOG_LEVEL": ""],
            environment: base.merging(["SCRIBE_BIND": "127.0.0.1:7000", "SCRIBE_LOG_LEVEL": "debug"]) { $1 }
        )
        #expect(configuration.bindPort == 9000)
        #expect(configuration.bindHost == "0.0.0.0")
        #expect(configuration.logLevel == .debug)
    }

    @Test("the public URL is normalised to its origin")
    func normalisesPublicURL() throws {
        let configuration = try ServerConfiguration.resolve(flags: ["SCRIBE_PUBLIC_URL": "HTTPS://Scribe.Example/"], environment: base)
        #expect(configuration.publicURL.absoluteString == "https://scribe.example")
        let withPort = try ServerConfiguration.resolve(flags: ["SCRIBE_PUBLIC_URL": "http://localhost:8443"], environment: base)
        #expect(withPort.publicURL.absoluteString == "http://localhost:8443")
    }

    @Test("a master key must be 32 bytes of base64")
    func masterKey() throws {
        let key = Data((0..<32).map { UInt8($0) })
        let configuration = try ServerConfiguration.resolve(flags: ["SCRIBE_MASTER_KEY": key.base64EncodedString()], environment: base)
        #expect(configuration.masterKey == key)
    }

    @Test(
        "each bad value fails naming its setting",
        arguments: [
            ("SCRIBE_PUBLIC_URL", "not a url"), ("SCRIBE_PUBLIC_URL", "ftp://scribe.example"), ("SCRIBE_PUBLIC_URL", "https://scribe.example/path"),
            ("SCRIBE_PUBLIC_URL", "https://user:pw@scribe.example"), ("SCRIBE_BIND", "8080"), ("SCRIBE_BIND", "127.0.0.1:99999"),
            ("SCRIBE_BIND", ":8080"), ("DATABASE_URL", "mysql://root@db/scribe"), ("SCRIBE_MASTER_KEY", "c2hvcnQ="),
            ("SCRIBE_LOG_LEVEL", "loud"), ("SCRIBE_DATA_DIR", "/etc/hostname"), ("SCRIBE_ROLE", "gateway"),
            ("SCRIBE_SERVICE_SECRET", "too-short"), ("SCRIBE_CORE_URL", "ftp://core"), ("SCRIBE_MARKETPLACE_URL", "not a url"),
            ("SCRIBE_RATE_LIMIT_ADDRESS", "-1"), ("SCRIBE_RATE_LIMIT_ACCOUNT", "many"), ("SCRIBE_RATE_LIMIT_INBOX", "2000000"),
            ("SCRIBE_SHUTDOWN_SECONDS", "0"), ("SCRIBE_SHUTDOWN_SECONDS", "soon"),
        ]
    )
    func rejects(setting: String, value: String) {
        do {
            _ = try ServerConfiguration.resolve(flags: [setting: value], environment: base)
            Issue.record("\(setting)=\(value) was accepted")
        } catch {
            #expect(error.setting == setting)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a split role needs the service secret and, for marketplace and social, Core's address; all needs neither")
    func splitRoles() throws {
        let secret = "a-service-secret-of-at-least-32-characters"
        #expect(try ServerConfiguration.resolve(flags: [:], environment: base).role == .all)
        let limits = try ServerConfiguration.resolve(flags: [:], environment: base).rateLimits
        #expect(limits == .standard && limits.perAddress > 0 && limits.perRemoteDomain > 0)
        for (role, flags, missing) in [
            ("core", [String: String](), "SCRIBE_SERVICE_SECRET"), ("social", ["SCRIBE_SERVICE_SECRET": secret], "SCRIBE_CORE_URL"),
            ("marketplace", ["SCRIBE_SERVICE_SECRET": secret], "SCRIBE_CORE_URL"),
        ] {
            do {
                _ = try ServerConfiguration.resolve(flags: flags.merging(["SCRIBE_ROLE": role]) { $1 }, environment: base)
                Issue.record("role \(role) started without \(missing)")
            } catch {
                #expect(error.setting == missing)
            }
        }
        let social = try ServerConfiguration.resolve(
            flags: [
                "SCRIBE_ROLE": "Social", "SCRIBE_SERVICE_SECRET": secret, "SCRIBE_CORE_URL": "http://10.0.0.2:8081", "SCRIBE_RATE_LIMIT_INBOX": "0",
            ],
            environment: base
        )
        #expect(social.role == .social && social.coreURL?.absoluteString == "http://10.0.0.2:8081" && social.serviceSecret != nil)
        #expect(social.rateLimits.perRemoteDomain == 0)
        #expect(social.shutdownGrace == .seconds(20))
        #expect(try ServerConfiguration.resolve(flags: ["SCRIBE_SHUTDOWN_SECONDS": "45"], environment: base).shutdownGrace == .seconds(45))
    }

    @Test("Stripe is off unless both secrets are set; one without the other stops start-up; webhook secrets may be several")
    func stripe() throws {
        #expect(try ServerConfiguration.resolve(flags: [:], environment: base).stripe == nil)
        let configured = try ServerConfiguration.resolve(
            flags: [:],
            environment: base.merging(["STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_old, whsec_new"]) { $1 }
        )
        #expect(configured.stripe?.webhookSecrets == ["whsec_old", "whsec_new"])
        #expect(configured.stripe?.apiBase.absoluteString == "https://api.stripe.com")
        for (missing, present) in [("STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY"), ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")] {
            do {
                _ = try ServerConfiguration.resolve(flags: [:], environment: base.merging([present: "x"]) { $1 })
                Issue.record("\(present) alone was accepted")
            } catch {
                #expect(error.setting == missing)
            }
        }
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.resolve(
                flags: [:],
                environment: base.merging(["STRIPE_SECRET_KEY": "k", "STRIPE_WEBHOOK_SECRET": "w", "STRIPE_API_BASE": "file:///etc"]) { $1 }
            )
        }
    }
}
