import Foundation
import ScribeContracts
import ScribeStorage
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Chats")
struct ChatsTests {
    @Test("a chat keeps its messages in order, encrypted: a pg_dump holds neither title nor text")
    func messages() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let chats = application.core.chats
            let character = try await application.core.characters.create(CharacterCard(data: ["name": .string("Wren")]), for: alice)
            let chat = try await chats.create(title: "Tea at the lighthouse", characterID: character.id, for: alice)
            _ = try await chats.append(.system, content: "You are Wren.", to: chat.id, for: alice)
            _ = try await chats.append(.user, content: "The kettle whistles twice at midnight", to: chat.id, for: alice)
            _ = try await chats.append(.assistant, content: "Then the keeper is home", to: chat.id, for: alice)
            let stored = try await chats.get(chat.id, for: alice)
            #expect(stored.title == "Tea at the lighthouse" && stored.characterID == character.id && stored.visibility == .private)
            #expect(stored.messages?.map(\.type) == [.system, .user, .assistant])
            #expect(stored.messages?.map(\.content) == ["You are Wren.", "The kettle whistles twice at midnight", "Then the keeper is home"])
            let dump = try await DatabaseDump.sql(of: application.database.location)
            #expect(dump.contains("COPY core.chat_messages"))
            for secret in ["Tea at the lighthouse", "kettle whistles", "keeper is home", "You are Wren"] { #expect(!dump.contains(secret)) }
            #expect(try await chats.setVisibility(chat.id, to: .public, for: alice).visibility == .public)
            #expect(try await chats.list(for: alice).map(\.id) == [chat.id])
        }
    }

    @Test("another user's chat, or another user's character, is not found; bad messages are refused")
    func boundaries() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let bob = try await CharactersTests.session(application, "bob")
            let chats = application.core.chats
            let aliceCharacter = try await application.core.characters.create(CharacterCard(data: ["name": .string("Wren")]), for: alice)
            let chat = try await chats.create(title: "Mine", characterID: nil, for: alice)
            let attempts: [@Sendable () async throws -> Void] = [
                { _ = try await chats.get(chat.id, for: bob) },
                { _ = try await chats.append(.user, content: "hi", to: chat.id, for: bob) },
                { _ = try await chats.setVisibility(chat.id, to: .public, for: bob) },
                { try await chats.delete(chat.id, for: bob) },
                { _ = try await chats.create(title: "Borrowed", characterID: aliceCharacter.id, for: bob) },
            ]
            for attempt in attempts {
                do {
                    try await attempt()
                    Issue.record("reached another user's chat or character")
                } catch let error as CoreError {
                    #expect(error.code == .notFound)
                }
            }
            for (title, content) in [("", "x"), ("Fine", ""), ("Fine", String(repeating: "x", count: Chats.maximumMessageSize + 1))] {
                do {
                    let target = title.isEmpty ? try await chats.create(title: title, characterID: nil, for: alice) : chat
                    _ = try await chats.append(.user, content: content, to: target.id, for: alice)
                    Issue.record("accepted an empty title or a bad message")
                } catch let error as CoreError {
                    #expect(error.code == .invalidInput)
                }
            }
            #expect(try await chats.get(chat.id, for: alice).messages?.isEmpty == true)
            try await chats.delete(chat.id, for: alice)
            #expect(try await chats.list(for: alice).isEmpty)
        }
    }
}
