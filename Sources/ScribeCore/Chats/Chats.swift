import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts

/// A chat session, decrypted for its owner.
public struct Chat: Codable, Sendable {
    public enum Visibility: String, Codable, Sendable, CaseIterable {
        case `private`, `public`
    }

    public var id: UUID
    public var title: String
    public var characterID: UUID?
    public var visibility: Visibility
    public var messages: [ChatMessage]?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, title, visibility, messages
        case characterID = "character_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One message of a chat, decrypted for its owner.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// Message types as the original Scribe enum `message_type` names them.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case user = "User"
        case assistant = "Assistant"
        case system = "System"
    }

    public var id: UUID
    public var type: Kind
    public var content: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, type, content
        case createdAt = "created_at"
    }
}

/// A user's chats: sessions with a title and, optionally, one of the user's characters, and
/// their messages. Titles and contents are encrypted under the owner's DEK. This stores chats;
/// it never calls a model. Another user's chat is "not found".
public struct Chats: Sendable {
    /// Upper bound of one message, in UTF-8 bytes.
    public static let maximumMessageSize = 256 * 1024

    let pool: PostgresClient
    let logger: Logger

    static let notFound = CoreError(.notFound, "There is no such chat.")

    static func titleBinding(_ id: UUID) -> FieldBinding { FieldBinding(table: "core.chat_sessions", row: id, column: "title_ciphertext") }
    static func contentBinding(_ id: UUID) -> FieldBinding { FieldBinding(table: "core.chat_messages", row: id, column: "content") }

    public func create(title: String, characterID: UUID?, for session: AuthenticatedSession) async throws(CoreError) -> Chat {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(title.count) else { throw CoreError.invalid("title", "A chat title has 1 to 500 characters.") }
        let id = UUID()
        let sealed = try FieldCipher.seal(Data(title.utf8), with: session.dek, binding: Self.titleBinding(id))
        let rows = try await run {
            try await pool.query(
                """
                INSERT INTO core.chat_sessions (id, user_id, character_id, title_ciphertext, title_nonce)
                SELECT \(id), \(session.account.id), \(characterID), \(ByteBuffer(bytes: sealed.ciphertext)), \(ByteBuffer(bytes: sealed.nonce))
                WHERE \(characterID)::uuid IS NULL
                    OR EXISTS (SELECT 1 FROM core.characters c WHERE c.id = \(characterID) AND c.user_id = \(session.account.id))
                RETURNING created_at, updated_at
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw CoreError(.notFound, "There is no such character.", field: "character_id") }
        let (createdAt, updatedAt) = try decode(row, as: (Date, Date).self)
        return Chat(id: id, title: title, characterID: characterID, visibility: .private, messages: [], createdAt: createdAt, updatedAt: updatedAt)
    }

    /// The user's chats, most recently active first, without their messages.
    public func list(for session: AuthenticatedSession) async throws(CoreError) -> [Chat] {
        let rows = try await run {
            try await pool.query(
                """
                SELECT id, character_id, visibility, created_at, updated_at, title_ciphertext, title_nonce
                FROM core.chat_sessions WHERE user_id = \(session.account.id) ORDER BY updated_at DESC, id
                """,
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(CoreError) in try chat(from: row, session: session) }
    }

    /// One chat with all its messages, oldest first.
    public func get(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) -> Chat {
        let rows = try await run {
            try await pool.query(
                """
                SELECT id, character_id, visibility, created_at, updated_at, title_ciphertext, title_nonce
                FROM core.chat_sessions WHERE id = \(id) AND user_id = \(session.account.id)
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw Self.notFound }
        var chat = try chat(from: row, session: session)
        let messages = try await run {
            try await pool.query(
                "SELECT id, message_type::text, created_at, content, content_nonce FROM core.chat_messages WHERE session_id = \(id) ORDER BY created_at, id",
                logger: logger
            ).collect()
        }
        chat.messages = try messages.map { row throws(CoreError) in
            let (messageID, type, createdAt, content, nonce) = try decode(row, as: (UUID, String, Date, Data, Data).self)
            let text = try FieldCipher.open(
                SealedValue(ciphertext: content, nonce: nonce),
                with: session.dek,
                binding: Self.contentBinding(messageID)
            )
            return ChatMessage(
                id: messageID,
                type: ChatMessage.Kind(rawValue: type) ?? .user,
                content: String(decoding: text, as: UTF8.self),
                createdAt: createdAt
            )
        }
        return chat
    }

    /// Appends a message to one of the user's chats.
    public func append(
        _ type: ChatMessage.Kind,
        content: String,
        to chatID: UUID,
        for session: AuthenticatedSession
    ) async throws(CoreError) -> ChatMessage {
        guard !content.isEmpty else { throw CoreError.invalid("content", "A message cannot be empty.") }
        guard content.utf8.count <= Self.maximumMessageSize else { throw CoreError.invalid("content", "A message has at most 256 KiB.") }
        let id = UUID()
        let sealed = try FieldCipher.seal(Data(content.utf8), with: session.dek, binding: Self.contentBinding(id))
        let created: Date? = try await transaction(on: pool, logger: logger) { connection in
            let owned = try await connection.query(
                "UPDATE core.chat_sessions SET updated_at = now() WHERE id = \(chatID) AND user_id = \(session.account.id) RETURNING id",
                logger: logger
            ).collect()
            guard !owned.isEmpty else { return nil }
            let rows = try await connection.query(
                """
                INSERT INTO core.chat_messages (id, session_id, user_id, message_type, content, content_nonce)
                VALUES (\(id), \(chatID), \(session.account.id), \(type.rawValue)::core.message_type, \(ByteBuffer(bytes: sealed.ciphertext)),
                    \(ByteBuffer(bytes: sealed.nonce)))
                RETURNING created_at
                """,
                logger: logger
            ).collect()
            return try rows[0].decode(Date.self)
        }
        guard let created else { throw Self.notFound }
        return ChatMessage(id: id, type: type, content: content, createdAt: created)
    }

    public func setVisibility(_ id: UUID, to visibility: Chat.Visibility, for session: AuthenticatedSession) async throws(CoreError) -> Chat {
        let rows = try await run {
            try await pool.query(
                "UPDATE core.chat_sessions SET visibility = \(visibility.rawValue), updated_at = now() WHERE id = \(id) AND user_id = \(session.account.id) RETURNING id",
                logger: logger
            ).collect()
        }
        guard !rows.isEmpty else { throw Self.notFound }
        return try await get(id, for: session)
    }

    public func delete(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) {
        let rows = try await run {
            try await pool.query("DELETE FROM core.chat_sessions WHERE id = \(id) AND user_id = \(session.account.id) RETURNING id", logger: logger)
                .collect()
        }
        guard !rows.isEmpty else { throw Self.notFound }
    }

    private func chat(from row: PostgresRow, session: AuthenticatedSession) throws(CoreError) -> Chat {
        let (id, characterID, visibility, createdAt, updatedAt, title, nonce) = try decode(
            row,
            as: (UUID, UUID?, String, Date, Date, Data, Data).self
        )
        let plaintext = try FieldCipher.open(SealedValue(ciphertext: title, nonce: nonce), with: session.dek, binding: Self.titleBinding(id))
        return Chat(
            id: id,
            title: String(decoding: plaintext, as: UTF8.self),
            characterID: characterID,
            visibility: Chat.Visibility(rawValue: visibility) ?? .private,
            messages: nil,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }
}
