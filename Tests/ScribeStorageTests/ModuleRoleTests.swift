import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Each module's connections hold only its own schema's privileges")
struct ModuleRoleTests {
    static let logger = TestLogger.make("roles")

    @Test("every pool runs as its module's role and reads its own tables")
    func poolsRunAsModuleRoles() async throws {
        try await withTestPools { database in
            for schema in ModuleSchema.all {
                let pool = database.pool(for: schema)
                let role = try await pool.query("SELECT current_user::text", logger: Self.logger).decode(String.self).reduce("") { $1 }
                #expect(role == schema.role)
                let table =
                    switch schema {
                    case .core: "core.events"
                    case .edge: "edge.rate_counters"
                    case .mastodon: "mastodon.access_tokens"
                    default: "\(schema.name).event_consumers"
                    }
                #expect(await sqlState(of: "SELECT count(*) FROM \(table)", on: pool) == nil)
            }
        }
    }

    @Test(
        "no module can read or write another module's tables",
        arguments: [
            (ModuleSchema.marketplace, "SELECT * FROM core.events"),
            (ModuleSchema.social, "SELECT * FROM core.events"),
            (ModuleSchema.core, "SELECT * FROM marketplace.event_consumers"),
            (ModuleSchema.marketplace, "INSERT INTO social.event_consumers (consumer) VALUES ('intruder')"),
            (ModuleSchema.social, "SELECT * FROM storage.schema_migrations"),
            (ModuleSchema.edge, "SELECT * FROM core.sessions"),
            (ModuleSchema.core, "SELECT * FROM edge.rate_counters"),
            (ModuleSchema.mastodon, "SELECT * FROM social.notes"),
            (ModuleSchema.social, "SELECT * FROM mastodon.access_tokens"),
        ]
    )
    func crossSchemaAccessIsDenied(schema: ModuleSchema, sql: String) async throws {
        try await withTestPools { database in
            // 42501 is insufficient_privilege.
            #expect(await sqlState(of: sql, on: database.pool(for: schema)) == "42501")
        }
    }

    @Test("a module cannot create objects in another module's schema")
    func cannotCreateElsewhere() async throws {
        try await withTestPools { database in
            let state = await sqlState(of: "CREATE TABLE core.smuggled (x int)", on: database.pool(for: .marketplace))
            #expect(state == "42501")
        }
    }
}
