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
    public func setVisibility(
        _ id: UUID,
        to visibility: SharingVisibility,
        for session: AuthenticatedSession
    ) async throws(CoreError) -> LibraryCharacter {
        try await transaction { connection in
            let current = try await lockedVisibility(id, session: session, on: connection)
            guard current != visibility else { return }
            try await connection.query(
                "UPDATE core.characters SET sharing_visibility = \(visibility.rawValue), updated_at = now() WHERE id = \(id)",
                logger: logger
            )
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
            sealed,
            id: id,
            ownerID: session.account.id,
            extra: [("visibility", visibility.rawValue)],
            columns: ["card", "avatar"],
            on: connection,
            logger: logger
        )
    }

    /// The character's visibility, with its row locked for the rest of the transaction.
    func lockedVisibility(_ id: UUID, session: AuthenticatedSession, on connection: PostgresConnection) async throws -> SharingVisibility {
        let rows = try await connection.query(
            "SELECT sharing_visibility FROM core.characters WHERE id = \(id) AND user_id = \(session.account.id) FOR UPDATE",
            logger: logger
        ).collect()
        guard let row = rows.first else { throw Self.notFound }
        return SharingVisibility(rawValue: try decode(row, as: String.self)) ?? .private
    }

    // MARK: Shared view

    /// The shareable view of a published character, if `viewer` may see it: `public` and
    /// `unlisted` ones by anyone, `followers` ones by their owner and approved followers; none
    /// that a moderator hid; of one for sale, a preview unless the viewer owns or bought it.
    public func sharedView(_ id: UUID, for viewer: Viewer) async throws(CoreError) -> SharedItem {
        try await published(id, for: viewer, withAvatar: false).shown(to: viewer)
    }

    /// The published avatar, under the same rule as ``sharedView(_:for:)`` (a preview shows it).
    public func sharedAvatar(_ id: UUID, for viewer: Viewer) async throws(CoreError) -> ExportedFile? {
        try await published(id, for: viewer, withAvatar: true).avatar.map {
            ExportedFile(bytes: $0, contentType: "image/png", fileName: "avatar.png")
        }
    }

    /// The published character in full, if its visibility lets `viewer` see it and it is not hidden.
    func published(_ id: UUID, for viewer: Viewer, withAvatar: Bool) async throws(CoreError) -> PublishedItem {
        let rows = try await run {
            try await pool.query(
                """
                SELECT p.owner_id, u.username, p.visibility, p.master_key_id, p.publication_key, p.publication_key_nonce, p.card, p.card_nonce,
                    p.avatar_nonce IS NOT NULL, p.published_at, p.updated_at, coalesce(r.for_sale, false), r.content_rating, r.content_rating_set_at,
                    \(unescaped: withAvatar ? "p.avatar, p.avatar_nonce" : "NULL::bytea, NULL::bytea")
                FROM core.character_publications p JOIN core.users u ON u.id = p.owner_id
                LEFT JOIN core.item_restrictions r ON r.subject_kind = 'character' AND r.item_id = p.character_id
                WHERE p.character_id = \(id) AND u.account_status = 'active' AND NOT coalesce(r.hidden, false)
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw Self.notFound }
        let (
            ownerID, username, visibilityName, keyID, wrappedKey, wrappedNonce, card, cardNonce, hasAvatar, publishedAt, updatedAt, forSale,
            ratedByHand,
            ratedAt, avatar, avatarNonce
        ) =
            try decode(row, as: (UUID, String, String, String, Data, Data, Data, Data, Bool, Date, Date, Bool, String?, Date?, Data?, Data?).self)
        let visibility = SharingVisibility(rawValue: visibilityName) ?? .private
        switch visibility {
        case .public, .unlisted: break
        case .followers where viewer.accountID == ownerID || viewer.followsOwner: break
        default: throw Self.notFound
        }
        let publication = Publication.characters
        let key = try publication.publicationKey(
            id: id,
            masterKeyID: keyID,
            wrapped: SealedValue(ciphertext: wrappedKey, nonce: wrappedNonce),
            masterKeys: masterKeys
        )
        let cardJSON = try FieldCipher.open(SealedValue(ciphertext: card, nonce: cardNonce), with: key, binding: publication.binding(id, "card"))
        guard let cardValue = JSONValue.parse(cardJSON) else { throw CoreError(.corrupted, "a published card is not JSON") }
        let image = try avatar.flatMap { bytes throws(CoreError) -> Data? in
            guard let avatarNonce else { return nil }
            return try FieldCipher.open(SealedValue(ciphertext: bytes, nonce: avatarNonce), with: key, binding: publication.binding(id, "avatar"))
        }
        let item = SharedItem(
            kind: .character,
            id: id,
            ownerID: ownerID,
            ownerUsername: username,
            visibility: visibility,
            content: cardValue,
            hasAvatar: hasAvatar,
            publishedAt: publishedAt,
            updatedAt: PublishedItem.updatedAt(updatedAt, ratedAt: ratedAt),
            contentRating: PublishedItem.contentRating(byHand: ratedByHand, content: cardValue)
        )
        return PublishedItem(item: item, avatar: image, forSale: forSale)
    }

    /// The character as a shared file for `viewer`: its V3 or V2 JSON, or its avatar PNG with the
    /// card embedded (a blank image when it has none). Only the full item, never a preview.
    public func sharedFile(_ id: UUID, as format: CharacterExportFormat, for viewer: Viewer) async throws(CoreError) -> ExportedFile {
        let published = try await published(id, for: viewer, withAvatar: format == .png || format == .charx)
        guard published.isOpen(to: viewer) else { throw Self.forSale }
        let card = try CharacterCard.read(json: published.item.content.serialized())
        return try Self.file(card, avatar: published.avatar, as: format)
    }

    static let forSale = CoreError(.forbidden, "This item is for sale; buy it to download it.")

    // MARK: Forking

    /// Copies a character the session's user may see into their library, private and encrypted
    /// under their DEK. `sourceURI` (the original's public address) is appended to the card's
    /// `source`, which V3 keeps for provenance.
    /// An item for sale can be forked only by its owner or, when the caller vouches for it
    /// (`entitled`), a buyer; a followers-only one by its owner or, when Social vouches for it
    /// (`followsOwner`), a follower.
    public func fork(
        _ id: UUID,
        sourceURI: String,
        entitled: Bool = false,
        followsOwner: Bool = false,
        for session: AuthenticatedSession
    ) async throws(CoreError) -> LibraryCharacter {
        let viewer = Viewer(accountID: session.account.id, followsOwner: followsOwner, entitled: entitled)
        let published = try await published(id, for: viewer, withAvatar: true)
        guard published.isOpen(to: viewer) else { throw Self.forSale }
        let avatar = published.avatar
        var card = try CharacterCard.read(json: published.item.content.serialized())
        card.data = CardProvenance.adding(sourceURI, to: card.data)
        let forked = try await create(card, avatar: avatar, for: session)
        logger.info("character forked", metadata: ["from": .string(id.uuidString), "to": .string(forked.id.uuidString)])
        return forked
    }
}
