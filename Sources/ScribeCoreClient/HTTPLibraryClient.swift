import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import ScribeContracts

/// `LibraryAPI` over Core's public JSON API (`/api/v1/characters`, `/api/v1/lorebooks`), for the
/// process that serves pages apart from Core: each call is the request an app would make with
/// the user's session token (``PublicCoreAPI``), and Core's refusals come back as the same
/// ``CoreError``s the in-process Core throws.
public struct HTTPLibraryClient: LibraryAPI {
    let core: PublicCoreAPI

    /// - Parameter client: the process's client for its own services, never the guarded client
    ///   Social federates with (which refuses private addresses).
    public init(baseURL: URL, secret: ServiceSecret, client: HTTPClient, logger: Logger) {
        core = PublicCoreAPI(request: ForwardedRequest(baseURL: baseURL, secret: secret, client: client), logger: logger)
    }

    struct Characters: Decodable { var characters: [CharacterSummary] }
    struct Character: Decodable { var character: OwnedCharacter }
    struct Lorebooks: Decodable { var lorebooks: [LorebookSummary] }
    struct Book: Decodable { var lorebook: OwnedLorebook }

    // MARK: Characters

    public func characters(sessionToken: String) async throws(CoreError) -> [CharacterSummary] {
        try await core.call(.GET, "/api/v1/characters", sessionToken: sessionToken, as: Characters.self).characters
    }

    public func characterArt(_ id: UUID, sessionToken: String) async throws(CoreError) -> Data? {
        do {
            return try await core.bytes(.GET, "/api/v1/characters/\(id)/avatar", sessionToken: sessionToken)
        } catch {
            // 404 is no art, or no such character of theirs: either way nothing to show.
            guard error.code == .notFound else { throw error }
            return nil
        }
    }

    public func character(_ id: UUID, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        try await core.call(.GET, "/api/v1/characters/\(id)", sessionToken: sessionToken, as: Character.self).character
    }

    public func createCharacter(card: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        try await core.call(.POST, "/api/v1/characters", json: ["card": card], sessionToken: sessionToken, as: Character.self).character
    }

    public func importCharacter(_ file: Data, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        try await core.call(.POST, "/api/v1/characters/import", body: file, sessionToken: sessionToken, as: Character.self).character
    }

    public func replaceCard(
        of id: UUID,
        with card: JSONValue,
        avatar: Data?,
        changeNote: String?,
        sessionToken: String
    ) async throws(CoreError) -> OwnedCharacter {
        var body: [String: JSONValue] = ["card": card]
        body["avatar"] = avatar.map { .string($0.base64EncodedString()) }
        body["change_note"] = changeNote.map { .string($0) }
        return try await core.call(.PUT, "/api/v1/characters/\(id)", json: JSONValue.object(body), sessionToken: sessionToken, as: Character.self)
            .character
    }

    public func setVisibility(of id: UUID, to visibility: SharingVisibility, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        let body = ["sharing_visibility": visibility.rawValue]
        return try await core.call(.PUT, "/api/v1/characters/\(id)/visibility", json: body, sessionToken: sessionToken, as: Character.self).character
    }

    public func deleteCharacter(_ id: UUID, sessionToken: String) async throws(CoreError) {
        _ = try await core.call(.DELETE, "/api/v1/characters/\(id)", sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
    }

    // MARK: Lorebooks

    public func lorebooks(sessionToken: String) async throws(CoreError) -> [LorebookSummary] {
        try await core.call(.GET, "/api/v1/lorebooks", sessionToken: sessionToken, as: Lorebooks.self).lorebooks
    }

    public func lorebook(_ id: UUID, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        try await core.call(.GET, "/api/v1/lorebooks/\(id)", sessionToken: sessionToken, as: Book.self).lorebook
    }

    public func createLorebook(_ book: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        try await core.call(.POST, "/api/v1/lorebooks", json: ["lorebook": book], sessionToken: sessionToken, as: Book.self).lorebook
    }

    public func importLorebook(_ file: Data, name: String?, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        try await core.call(.POST, "/api/v1/lorebooks/import" + Self.nameQuery(name), body: file, sessionToken: sessionToken, as: Book.self).lorebook
    }

    public func replaceLorebook(_ id: UUID, with book: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        try await core.call(.PUT, "/api/v1/lorebooks/\(id)", body: book.serialized(), sessionToken: sessionToken, as: Book.self).lorebook
    }

    public func setLorebookPublic(_ id: UUID, _ isPublic: Bool, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        try await core.call(.PUT, "/api/v1/lorebooks/\(id)/visibility", json: ["is_public": isPublic], sessionToken: sessionToken, as: Book.self)
            .lorebook
    }

    public func deleteLorebook(_ id: UUID, sessionToken: String) async throws(CoreError) {
        _ = try await core.call(.DELETE, "/api/v1/lorebooks/\(id)", sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
    }

    /// `?name=…` for a file that carries no name of its own.
    static func nameQuery(_ name: String?) -> String {
        guard let name, let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else { return "" }
        return "?name=" + encoded
    }
}
