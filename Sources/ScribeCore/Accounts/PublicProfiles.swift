import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What a user chooses to show everyone: display name, bio, profile fields, avatar and header
/// (`core.public_profiles`). Public by choice, so stored in the clear like the username.
///
/// Guarantees: a change and its `UserUpdated` event are one transaction; only PNG and JPEG
/// images are kept (avatars up to 1 MB, headers up to 2 MB), recognised by their bytes, not by
/// what the client says.
extension Accounts {

    /// Sets the display name (at most 50 characters) and bio (at most 500); empty clears them.
    /// With `fields`, the profile fields too (at most four, each name and value one line of at
    /// most 255 characters; a field with neither is dropped); without, they stay as they are.
    public func setPublicProfile(
        _ session: AuthenticatedSession,
        displayName: String,
        bio: String,
        fields: [ProfileField]? = nil
    ) async throws(CoreError) {
        try await changePublicProfile(of: session.account.id, PublicProfileChange(displayName: displayName, bio: bio, fields: fields))
    }

    /// Applies every part of `change` that is set, in one transaction with one `UserUpdated`:
    /// all of it, checked first, or nothing. A part left nil stays as it is; the display name and
    /// bio keep ``setPublicProfile(_:displayName:bio:fields:)``'s rules, images ``setImage(_:of:to:)``'s.
    public func changePublicProfile(of userID: UUID, _ change: PublicProfileChange) async throws(CoreError) {
        let name = change.displayName?.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = change.bio?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let name {
            guard name.count <= 50 else { throw CoreError.invalid("display_name", "A display name has at most 50 characters.") }
            guard !name.contains(where: \.isNewline) else { throw CoreError.invalid("display_name", "A display name is one line.") }
        }
        if let text { guard text.count <= 500 else { throw CoreError.invalid("bio", "A bio has at most 500 characters.") } }
        let kept = try change.fields.map { fields throws(CoreError) in try Self.checked(fields) }
        let encoded = kept.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data("[]".utf8), as: UTF8.self) }
        var statements: [PostgresQuery] = []
        if name != nil || text != nil || kept != nil {
            statements.append(
                """
                INSERT INTO core.public_profiles (user_id, display_name, bio, fields)
                VALUES (\(userID), coalesce(\(name), ''), coalesce(\(text), ''), coalesce(\(encoded)::jsonb, '[]'))
                ON CONFLICT (user_id) DO UPDATE SET display_name = coalesce(\(name), core.public_profiles.display_name),
                    bio = coalesce(\(text), core.public_profiles.bio),
                    fields = coalesce(\(encoded)::jsonb, core.public_profiles.fields), updated_at = now()
                """
            )
        }
        for (kind, image) in [(ProfileImage.avatar, change.avatar), (.header, change.header)] {
            guard let image else { continue }
            statements.append(try Self.imageStatement(kind, of: userID, to: image))
        }
        guard !statements.isEmpty else { return }
        try await changeProfile(of: userID) { [statements] connection in
            for statement in statements { try await connection.query(statement, logger: logger) }
        }
    }

    /// Profile fields trimmed, the empty ones dropped, and within Mastodon's limits.
    static func checked(_ fields: [ProfileField]) throws(CoreError) -> [ProfileField] {
        let kept = fields.map {
            ProfileField(
                name: $0.name.trimmingCharacters(in: .whitespacesAndNewlines),
                value: $0.value.trimmingCharacters(in: .whitespacesAndNewlines)
            )
        }.filter { !$0.name.isEmpty || !$0.value.isEmpty }
        guard kept.count <= ProfileField.maximumCount else {
            throw CoreError.invalid("fields", "A profile has at most \(ProfileField.maximumCount) fields.")
        }
        for field in kept {
            guard !field.name.isEmpty, !field.value.isEmpty else { throw CoreError.invalid("fields", "A profile field has a label and a value.") }
            guard field.name.count <= ProfileField.maximumLength, field.value.count <= ProfileField.maximumLength else {
                throw CoreError.invalid("fields", "A profile field's label and value have at most \(ProfileField.maximumLength) characters each.")
            }
            guard !field.name.contains(where: \.isNewline), !field.value.contains(where: \.isNewline) else {
                throw CoreError.invalid("fields", "A profile field's label and value are one line each.")
            }
        }
        return kept
    }

    /// Sets the avatar or the header from a PNG or JPEG image, or removes it when `image` is nil.
    public func setImage(_ kind: ProfileImage, of session: AuthenticatedSession, to image: Data?) async throws(CoreError) {
        let statement = try Self.imageStatement(kind, of: session.account.id, to: image)
        try await changeProfile(of: session.account.id) { connection in try await connection.query(statement, logger: logger) }
    }

    /// The statement that sets (or, for nil, removes) an image, once the image is checked.
    private static func imageStatement(_ kind: ProfileImage, of userID: UUID, to image: Data?) throws(CoreError) -> PostgresQuery {
        let type: String?
        if let image {
            guard image.count <= kind.maximumSize else {
                throw CoreError.invalid(kind.rawValue, "\(kind.name) is at most \(kind.maximumSize >> 20) MB.")
            }
            guard let recognised = Self.imageType(image) else { throw CoreError.invalid(kind.rawValue, "\(kind.name) is a PNG or JPEG image.") }
            type = recognised
        } else {
            type = nil
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO core.public_profiles (user_id, \(kind.rawValue), \(kind.rawValue)_content_type) VALUES ($1, $2, $3)
                ON CONFLICT (user_id) DO UPDATE SET \(kind.rawValue) = EXCLUDED.\(kind.rawValue),
                    \(kind.rawValue)_content_type = EXCLUDED.\(kind.rawValue)_content_type, updated_at = now()
                """,
            binds: try bindings(userID, image, type)
        )
    }

    /// An active user's avatar or header, for anyone, with the profile's
    /// ``UserProfile/imageVersion``.
    public func image(_ kind: ProfileImage, username: String) async throws(CoreError) -> (file: ExportedFile, version: Int)? {
        let statement = PostgresQuery(
            unsafeSQL: """
                SELECT p.\(kind.rawValue), p.\(kind.rawValue)_content_type, extract(epoch FROM p.updated_at)::bigint
                FROM core.public_profiles p JOIN core.users u ON u.id = p.user_id
                WHERE lower(u.username) = $1 AND u.account_status = 'active' AND p.\(kind.rawValue) IS NOT NULL
                """,
            binds: try Self.bindings(Self.normalizedIdentifier(username))
        )
        let rows = try await run { try await pool.query(statement, logger: logger).collect() }
        guard let row = rows.first, let (bytes, type, version) = try? row.decode((Data, String, Int64).self) else { return nil }
        let fileExtension = type == "image/png" ? "png" : "jpg"
        return (ExportedFile(bytes: bytes, contentType: type, fileName: "\(kind.rawValue).\(fileExtension)"), Int(version))
    }

    private static func bindings(_ values: (any PostgresEncodable & Sendable)?...) throws(CoreError) -> PostgresBindings {
        var binds = PostgresBindings()
        do {
            for value in values {
                if let value { try binds.append(value) } else { binds.appendNull() }
            }
        } catch {
            throw CoreError.invalid("profile", "That profile change cannot be stored.")
        }
        return binds
    }

    private func changeProfile(of userID: UUID, _ change: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws(CoreError) {
        try await ScribeCore.transaction(on: pool, logger: logger) { connection in
            try await change(connection)
            try await eventLog.append(.userUpdated, subjectKind: .user, subjectID: userID, on: connection)
        }
    }

    /// `image/png` or `image/jpeg` by the file's signature, or nil.
    static func imageType(_ bytes: Data) -> String? {
        if PNGCard.isPNG(bytes) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        return nil
    }
}
