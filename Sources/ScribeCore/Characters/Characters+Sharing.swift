import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts

/// Publishing, the shared view, and forking.
extension Characters {
    /// Sets who may see the character. Leaving `private` seals a public projection and records
    /// `ItemPublished`; a change between shared visibilities re-seals it and records
    /// `ItemUpdated`; returning to `private` destroys it and records `ItemUnpublished`. Each in
    /// one transaction; setting the visibility it already has changes nothing.
    public func setVisibility(_ id: UUID, to visibility: SharingVisibility, for session: AuthenticatedSession) async throws(CoreError) -> LibraryCharacter {
        try await transaction { connection in
            let current = try await lockedVisibility(id, session: session, on: connection)
            guard current != visibility else { return }
            try await connection.query(
                "UPDATE core.characters SET sharing_visibility = \(visibility.rawValue), updated_at = now() WHERE id = \(id)", logger: logger)
            let event: CoreEvent.Kind
            if visibility == .private {
                try await Publication.characters.delete(id, on: connection, logger: logger)
                event = .itemUnpublished
            } else {
                try await publish(id, visibility: visibility, session: session, on: connection)
                event = current == .private ? .itemPublished : .itemUpdated
            }
            try await eventLog.append(event, subjectKind: .character, subjectID: id, visibility: visibility, on: connection)
        }
        logger.info("character visibility set", metadata: ["character": .string(id.uuidString), "visibility": .string(visibility.rawValue)])
        return try await get(id, for: session)
    }

    /// Seals the character as it is now into its projection, inside the caller's transaction.
    func publish(_ id: UUID, visibility: SharingVisibility, session: AuthenticatedSession, on connection: PostgresConnection) async throws {
        let row = try await ownedRow(id, columns: CharacterRecord.sealedColumns, session: session, on: connection)
        let (spec, specVersion) = try decode(row, as: (String, String).self)
        let cells = row.makeRandomAccess()
        let card = try CharacterRecord.openCard(cells, id: id, key: session.dek, spec: spec, specVersion: specVersion)
        let avatar = try CharacterRecord.open(cells, column: CharacterRecord.avatarColumn, id: id, key: session.dek)
        var documents = ["card": card.v3JSON()]
        documents["avatar"] = avatar
        let sealed = try Publication.characters.seal(documents, id: id, masterKeys: masterKeys)
        try await Publication.characters.store(
            sealed, id: id, ownerID: session.account.id, extra: [("visibility", visibility.rawValue)], columns: ["card", "avatar"], on: connection,
            logger: logger)
    }

    /// The character's visibility, with its row locked for the rest of the transaction.
    func lockedVisibility(_ id: UUID, session: AuthenticatedSession, on connection: PostgresConnection) async throws -> SharingVisibility {
        let rows = try await connection.query(
            "SELECT sharing_visibility FROM core.characters WHERE id = \(id) AND user_id = \(session.account.id) FOR UPDATE", logger: logger
        ).collect()
        guard let row = rows.first else { throw Self.notFound }
        return SharingVisibility(rawValue: try decode(row, as: String.self)) ?? .private
    }

    // MARK: Shared view

    /// The shareable view of a published character, if `viewer` may see it: `public` and
    /// `unlisted` ones by anyone, `followers` ones by their owner and approved followers.
    public func sharedView(_ id: UUID, for viewer: Viewer) async throws(CoreError) -> SharedItem {
        let (item, _) = try await openPublication(id, for: viewer, withAvatar: false)
        return item
    }

    /// The published avatar, under the same rule as ``sharedView(_:for:)``.
    public func sharedAvatar(_ id: UUID, for viewer: Viewer) async throws(CoreError) -> ExportedFile? {
        let (_, avatar) = try await openPublication(id, for: viewer, withAvatar: true)
        return avatar.map { ExportedFile(bytes: $0, contentType: "image/png", fileName: "avatar.png") }
    }

    private func openPublication(_ id: UUID, for viewer: Viewer, withAvatar: Bool) async throws(CoreError) -> (SharedItem, Data?) {
        let rows = try await run {
            try await pool.query(
                """
                SELECT p.owner_id, u.username, p.visibility, p.master_key_id, p.publication_key, p.publication_key_nonce, p.card, p.card_nonce,
                    p.avatar_nonce IS NOT NULL, p.published_at, p.updated_at, \(unescaped: withAvatar ? "p.avatar, p.avatar_nonce" : "NULL::bytea, NULL::bytea")
                FROM core.character_publications p JOIN core.users u ON u.id = p.owner_id
                WHERE p.character_id = \(id) AND u.account_status = 'active'
                """, logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw Self.notFound }
        let (ownerID, username, visibilityName, keyID, wrappedKey, wrappedNonce, card, cardNonce, hasAvatar, publishedAt, updatedAt, avatar, avatarNonce) =
            try decode(row, as: (UUID, String, String, String, Data, Data, Data, Data, Bool, Date, Date, Data?, Data?).self)
        let visibility = SharingVisibility(rawValue: visibilityName) ?? .private
        switch visibility {
        case .public, .unlisted: break
        case .followers where viewer.accountID == ownerID || viewer.followsOwner: break
        default: throw Self.notFound
        }
        let publication = Publication.characters
        let key = try publication.publicationKey(
            id: id, masterKeyID: keyID, wrapped: SealedValue(ciphertext: wrappedKey, nonce: wrappedNonce), masterKeys: masterKeys)
        let cardJSON = try FieldCipher.open(SealedValue(ciphertext: card, nonce: cardNonce), with: key, binding: publication.binding(id, "card"))
        guard let cardValue = JSONValue.parse(cardJSON) else { throw CoreError(.corrupted, "a published card is not JSON") }
        let image = try avatar.flatMap { bytes throws(CoreError) -> Data? in
            guard let avatarNonce else { return nil }
            return try FieldCipher.open(SealedValue(ciphertext: bytes, nonce: avatarNonce), with: key, binding: publication.binding(id, "avatar"))
        }
        let item = SharedItem(
            kind: .character, id: id, ownerID: ownerID, ownerUsername: username, visibility: visibility, content: cardValue, hasAvatar: hasAvatar,
            publishedAt: publishedAt, updatedAt: updatedAt)
        return (item, image)
    }

    // MARK: Forking

    /// Copies a character the session's user may see into their library, private and encrypted
    /// under their DEK. `sourceURI` (the original's public address) is appended to the card's
    /// `source`, which V3 keeps for provenance.
    public func fork(_ id: UUID, sourceURI: String, for session: AuthenticatedSession) async throws(CoreError) -> LibraryCharacter {
        let viewer = Viewer(accountID: session.account.id)
        let (shared, avatar) = try await openPublication(id, for: viewer, withAvatar: true)
        var card = try CharacterCard.read(json: shared.content.serialized())
        var sources = card.data["source"]?.arrayValue ?? []
        if !sources.contains(.string(sourceURI)) { sources.append(.string(sourceURI)) }
        card.data["source"] = .array(sources)
        let forked = try await create(card, avatar: avatar, for: session)
        logger.info("character forked", metadata: ["from": .string(id.uuidString), "to": .string(forked.id.uuidString)])
        return forked
    }
}
