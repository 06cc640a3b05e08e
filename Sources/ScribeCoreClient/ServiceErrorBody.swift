/// The body of every error Scribe's HTTP APIs answer, `{ "error": { "code", "message", "field" } }`,
/// as its clients (``HTTPCoreClient``, ``HTTPAccountsClient``, ``HTTPLibraryClient``, the
/// marketplace client) read a refusal back into their contract's error.
public struct ServiceErrorBody: Decodable, Sendable {
    public struct Detail: Decodable, Sendable {
        public var code: String
        public var message: String
        public var field: String?
    }
    public var error: Detail
}
