import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ScribeContracts
import ScribeImages

/// The images users upload for their posts (`mastodon.media`).
///
/// Guarantees: only PNG and JPEG images are kept, recognised by their bytes, at most
/// ``maximumSize`` and ``ScribeImages/Thumbnail/maximumPixels``; each gets a preview at most
/// ``previewWidth`` wide; only its owner sees or changes it before it is posted, and an image
/// is attached to one post only.
struct MediaLibrary: Sendable {
    struct Upload: Sendable {
        var id: Int64
        var fileKey: String
        var contentType: String
        var width: Int
        var height: Int
        var description: String?
        var status: String?
    }

    static let maximumSize = 8 << 20
    static let previewWidth = 640
    static let maximumDescription = 1500

    let pool: PostgresClient
    let logger: Logger

    /// Keeps an uploaded image for `user`.
    func upload(_ bytes: Data, description: String?, for user: UUID) async throws(MastodonError) -> Upload {
        guard bytes.count <= Self.maximumSize else { throw MastodonError(.contentTooLarge, "File is too large (maximum is 8 MB)") }
        let type: String
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            type = "image/png"
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            type = "image/jpeg"
        } else {
            throw MastodonError(.unprocessableContent, "File type of uploaded media could not be verified")
        }
        guard let size = Thumbnail.dimensions(of: bytes), size.width * size.height <= Thumbnail.maximumPixels,
            let preview = Thumbnail.make(from: bytes, width: Self.previewWidth)
        else { throw MastodonError(.unprocessableContent, "File type of uploaded media could not be verified") }
        let text = try Self.checked(description)
        let key = Secrets.make()
        let id = PublicIDs.make(at: Date())
        try await database(logger) {
            try await pool.query(
                """
                INSERT INTO mastodon.media (id, user_id, file_key, content_type, bytes, preview_type, preview, width, height, description)
                VALUES (\(id), \(user), \(key), \(type), \(bytes), \(preview.contentType), \(preview.bytes), \(size.width), \(size.height), \(text))
                """,
                logger: logger
            )
        }
        return Upload(id: id, fileKey: key, contentType: type, width: size.width, height: size.height, description: text, status: nil)
    }

    /// The user's own uploads among `ids`, in the order asked; 404 if one is not hers.
    func uploads(_ ids: [String], of user: UUID) async throws(MastodonError) -> [Upload] {
        let numbers = ids.compactMap { Int64($0) }
        guard numbers.count == ids.count else { throw MastodonError.notFound }
        let rows = try await database(logger) {
            try await pool.query(
                """
                SELECT id, file_key, content_type, width, height, description, status FROM mastodon.media
                WHERE user_id = \(user) AND id = ANY(\(numbers))
                """,
                logger: logger
            ).collect()
        }
        var found: [Int64: Upload] = [:]
        for row in rows {
            let (id, key, type, width, height, description, status) = try decodeRow(row, as: (Int64, String, String, Int, Int, String?, String?).self)
            found[id] = Upload(id: id, fileKey: key, contentType: type, width: width, height: height, description: description, status: status)
        }
        return try numbers.map { number throws(MastodonError) in
            guard let upload = found[number] else { throw MastodonError.notFound }
            return upload
        }
    }

    /// Changes an upload's alt text.
    func describe(_ id: String, as description: String?, of user: UUID) async throws(MastodonError) -> Upload {
        guard var upload = try await uploads([id], of: user).first else { throw MastodonError.notFound }
        let text = try Self.checked(description)
        try await database(logger) {
            try await pool.query("UPDATE mastodon.media SET description = \(text) WHERE id = \(upload.id) AND user_id = \(user)", logger: logger)
        }
        upload.description = text
        return upload
    }

    /// Records that `uploads` are shown with `status`.
    func attach(_ uploads: [Upload], to status: String, of user: UUID) async throws(MastodonError) {
        let ids = uploads.map(\.id)
        try await database(logger) {
            try await pool.query("UPDATE mastodon.media SET status = \(status) WHERE user_id = \(user) AND id = ANY(\(ids))", logger: logger)
        }
    }

    /// An image's bytes by its file name: the original, or its preview.
    func file(_ key: String, preview: Bool) async throws(MastodonError) -> (contentType: String, bytes: Data)? {
        guard key.count <= 100 else { return nil }
        let row = try await database(logger) {
            try await pool.query(
                "SELECT content_type, bytes, preview_type, preview FROM mastodon.media WHERE file_key = \(key)",
                logger: logger
            ).collect().first
        }
        guard let row else { return nil }
        let (type, bytes, previewType, previewBytes) = try decodeRow(row, as: (String, Data, String, Data).self)
        return preview ? (previewType, previewBytes) : (type, bytes)
    }

    static func checked(_ description: String?) throws(MastodonError) -> String? {
        guard let text = description?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard text.count <= maximumDescription else { throw MastodonError.invalid("Description is too long (maximum is 1500 characters)") }
        return text
    }
}
