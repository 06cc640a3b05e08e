import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What a user chooses to show everyone: display name, bio and avatar (`core.public_profiles`).
/// Public by choice, so stored in the clear like the username.
///
/// Guarantees: a change and its `UserUpdated` event are one transaction; only PNG and JPEG
/// avatars up to 1 MB are kept, recognised by their bytes, not by what the client says.
extension Accounts {
    public static let maximumAvatarSize = 1 << 20

    /// Sets the display name (at most 50 characters) and bio (at most 500); empty clears them.
    public func setPublicProfile(_ session: AuthenticatedSession, displayName: String, bio: String) async throws(CoreError) {
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = bio.trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.count <= 50 else { throw CoreError.invalid("display_name", "A display name has at most 50 characters.") }
        guard !name.contains(where: \.isNewline) else { throw CoreError.invalid("display_name", "A display name is one line.") }
        guard text.count <= 500 else { throw CoreError.invalid("bio", "A bio has at most 500 characters.") }
        try await changeProfile(of: session.account.id) { connection in
            try await connection.query(
                """
                INSERT INTO core.public_profiles (user_id, display_name, bio) VALUES (\(session.account.id), \(name), \(text))
                ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, bio = EXCLUDED.bio, updated_at = now()
                """,
                logger: logger
            )
        }
    }

    /// Sets the avatar from a PNG or JPEG image, or removes it when `image` is nil.
    public func setAvatar(_ session: AuthenticatedSession, image: Data?) async throws(CoreError) {
        let type: String?
        if let image {
            guard image.count <= Self.maximumAvatarSize else { throw CoreError.invalid("avatar", "An avatar is at most 1 MB.") }
            guard let recognised = Self.imageType(image) else { throw CoreError.invalid("avatar", "An avatar is a PNG or JPEG image.") }
            type = recognised
        } else {
            type = nil
        }
        try await changeProfile(of: session.account.id) { connection in
            try await connection.query(
                """
                INSERT INTO core.public_profiles (user_id, avatar, avatar_content_type) VALUES (\(session.account.id), \(image), \(type))
                ON CONFLICT (user_id) DO UPDATE SET avatar = EXCLUDED.avatar, avatar_content_type = EXCLUDED.avatar_content_type, updated_at = now()
                """,
                logger: logger
            )
        }
    }

    /// An active user's avatar, for anyone.
    public func avatar(username: String) async throws(CoreError) -> ExportedFile? {
        let rows = try await run {
            try await pool.query(
                """
                SELECT p.avatar, p.avatar_content_type FROM core.public_profiles p JOIN core.users u ON u.id = p.user_id
                WHERE lower(u.username) = \(Self.normalizedIdentifier(username)) AND u.account_status = 'active' AND p.avatar IS NOT NULL
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first, let (bytes, type) = try? row.decode((Data, String).self) else { return nil }
        return ExportedFile(bytes: bytes, contentType: type, fileName: type == "image/png" ? "avatar.png" : "avatar.jpg")
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
