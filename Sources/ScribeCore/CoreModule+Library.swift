import Foundation
import ScribeContracts

/// Core's library operations as the pages reach them in the process where Core runs: each is the
/// one its JSON API route calls, for the session the token names, with cards and books as the
/// JSON that API speaks.
extension CoreModule: LibraryAPI {
    public func characters(sessionToken: String) async throws(CoreError) -> [CharacterSummary] {
        try await characters.list(for: try await accounts.authenticate(token: sessionToken))
    }

    public func characterArt(_ id: UUID, sessionToken: String) async throws(CoreError) -> Data? {
        try await characters.avatar(id, for: try await accounts.authenticate(token: sessionToken))?.bytes
    }

    public func character(_ id: UUID, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        OwnedCharacter(try await characters.get(id, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func createCharacter(card: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        let card = try CharacterCard.read(json: card.serialized())
        return OwnedCharacter(try await characters.create(card, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func importCharacter(_ file: Data, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        OwnedCharacter(try await characters.importFile(file, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func replaceCard(
        of id: UUID,
        with card: JSONValue,
        avatar: Data?,
        changeNote: String?,
        sessionToken: String
    ) async throws(CoreError) -> OwnedCharacter {
        let card = try CharacterCard.read(json: card.serialized())
        let session = try await accounts.authenticate(token: sessionToken)
        return OwnedCharacter(try await characters.replaceCard(id, with: card, avatar: avatar, note: changeNote, for: session))
    }

    public func setVisibility(of id: UUID, to visibility: SharingVisibility, sessionToken: String) async throws(CoreError) -> OwnedCharacter {
        OwnedCharacter(try await characters.setVisibility(id, to: visibility, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func deleteCharacter(_ id: UUID, sessionToken: String) async throws(CoreError) {
        try await characters.delete(id, for: try await accounts.authenticate(token: sessionToken))
    }

    public func lorebooks(sessionToken: String) async throws(CoreError) -> [LorebookSummary] {
        try await lorebooks.list(for: try await accounts.authenticate(token: sessionToken))
    }

    public func lorebook(_ id: UUID, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        OwnedLorebook(try await lorebooks.get(id, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func createLorebook(_ book: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        let book = try Lorebook.read(json: book.serialized())
        return OwnedLorebook(try await lorebooks.create(book, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func importLorebook(_ file: Data, name: String?, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        OwnedLorebook(try await lorebooks.importFile(file, name: name, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func replaceLorebook(_ id: UUID, with book: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        let book = try Lorebook.read(json: book.serialized())
        return OwnedLorebook(try await lorebooks.replace(id, with: book, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func setLorebookPublic(_ id: UUID, _ isPublic: Bool, sessionToken: String) async throws(CoreError) -> OwnedLorebook {
        OwnedLorebook(try await lorebooks.setPublic(id, isPublic, for: try await accounts.authenticate(token: sessionToken)))
    }

    public func deleteLorebook(_ id: UUID, sessionToken: String) async throws(CoreError) {
        try await lorebooks.delete(id, for: try await accounts.authenticate(token: sessionToken))
    }
}

extension OwnedLorebook {
    /// How the owner sees `lorebook` through the API: the whole book as Lorebook V3 JSON.
    public init(_ lorebook: LibraryLorebook) {
        self.init(
            id: lorebook.id,
            isPublic: lorebook.isPublic,
            sourceFormat: lorebook.sourceFormat,
            lorebook: JSONValue.parse(lorebook.book.v3JSON()) ?? .null,
            createdAt: lorebook.createdAt,
            updatedAt: lorebook.updatedAt
        )
    }
}
