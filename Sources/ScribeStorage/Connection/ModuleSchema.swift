/// A PostgreSQL schema owned by one module, and the role that module's connections assume.
///
/// The role has privileges on its own schema only, so a module that reached for another
/// module's table would fail with `permission denied` instead of quietly coupling the two.
public struct ModuleSchema: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    /// The database role whose privileges cover exactly this schema.
    public var role: String { "scribe_\(name)" }
    public var description: String { name }

    public static let core = ModuleSchema("core")
    public static let marketplace = ModuleSchema("marketplace")
    public static let social = ModuleSchema("social")
    /// The HTTP edge's own state, shared by every process: rate-limit counters. No module's.
    public static let edge = ModuleSchema("edge")
    /// Mastodon's client API: the apps people sign in with, their tokens, and the ids apps see.
    public static let mastodon = ModuleSchema("mastodon")

    /// Every module schema, in the order their migrations apply.
    public static let all: [ModuleSchema] = [.core, .marketplace, .social, .edge, .mastodon]
}
