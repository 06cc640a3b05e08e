import Foundation
import ScribeContracts
import Testing

@Suite("Core events on the wire")
struct CoreEventTests {
    /// `schemas/events/core-event.schema.json`, the published contract for consumers.
    static func schema() throws -> [String: Any] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("schemas/events/core-event.schema.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any] ?? [:]
    }

    @Test("encodes exactly the properties the JSON Schema requires, with its names")
    func matchesSchemaProperties() throws {
        let event = CoreEvent(id: 7, type: .itemPublished, subjectKind: .character, subjectID: UUID(), recordedAt: Date(timeIntervalSince1970: 0))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let object = try JSONSerialization.jsonObject(with: encoder.encode(event)) as? [String: Any] ?? [:]
        let schema = try Self.schema()
        let required = Set(schema["required"] as? [String] ?? [])
        #expect(Set(object.keys) == required)
        #expect(Set((schema["properties"] as? [String: Any] ?? [:]).keys) == required)
    }

    @Test("the schema's enumerations are the event and subject kinds this build knows")
    func enumerationsMatch() throws {
        let properties = try Self.schema()["properties"] as? [String: [String: Any]] ?? [:]
        #expect(Set(properties["type"]?["enum"] as? [String] ?? []) == Set(CoreEvent.Kind.allCases.map(\.rawValue)))
        #expect(Set(properties["subject_kind"]?["enum"] as? [String] ?? []) == Set(CoreEvent.SubjectKind.allCases.map(\.rawValue)))
    }

    @Test("round-trips through JSON")
    func roundTrips() throws {
        let event = CoreEvent(id: 42, type: .itemDeleted, subjectKind: .lorebook, subjectID: UUID(), recordedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(CoreEvent.self, from: encoder.encode(event)) == event)
    }
}
