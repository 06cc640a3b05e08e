import Foundation
import ScribeContracts
import ScribeTestFixtures
import Testing

@Suite("Core events on the wire")
struct CoreEventTests {
    /// `schemas/events/core-event.schema.json`, the published contract for consumers.
    static func schema() throws -> [String: Any] {
        let path = URL(fileURLWithPath: TestPaths.schemasDirectory + "/events/core-event.schema.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any] ?? [:]
    }

    @Test("encodes the properties the JSON Schema names: the required ones always, visibility on item events, a note on an update that has one")
    func matchesSchemaProperties() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let schema = try Self.schema()
        let required = Set(schema["required"] as? [String] ?? [])
        let properties = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
        let userEvent = CoreEvent(id: 7, type: .userCreated, subjectKind: .user, subjectID: UUID(), recordedAt: Date(timeIntervalSince1970: 0))
        let itemEvent = CoreEvent(id: 8, type: .itemPublished, subjectKind: .character, subjectID: UUID(), visibility: .public, recordedAt: Date())
        let noted = CoreEvent(
            id: 9,
            type: .itemUpdated,
            subjectKind: .character,
            subjectID: UUID(),
            visibility: .public,
            recordedAt: Date(),
            note: "Fixed her greeting."
        )
        func keys(_ event: CoreEvent) throws -> Set<String> {
            Set((try JSONSerialization.jsonObject(with: encoder.encode(event)) as? [String: Any] ?? [:]).keys)
        }
        #expect(try keys(userEvent) == required)
        #expect(try keys(itemEvent) == required.union(["visibility"]))
        #expect(try keys(noted) == properties)
    }

    @Test("the schema's enumerations are the event and subject kinds this build knows")
    func enumerationsMatch() throws {
        let properties = try Self.schema()["properties"] as? [String: [String: Any]] ?? [:]
        #expect(Set(properties["type"]?["enum"] as? [String] ?? []) == Set(CoreEvent.Kind.allCases.map(\.rawValue)))
        #expect(Set(properties["subject_kind"]?["enum"] as? [String] ?? []) == Set(CoreEvent.SubjectKind.allCases.map(\.rawValue)))
        #expect(Set(properties["visibility"]?["enum"] as? [String] ?? []) == Set(SharingVisibility.allCases.map(\.rawValue)))
    }

    @Test("round-trips through JSON")
    func roundTrips() throws {
        let event = CoreEvent(
            id: 42,
            type: .itemDeleted,
            subjectKind: .lorebook,
            subjectID: UUID(),
            recordedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(CoreEvent.self, from: encoder.encode(event)) == event)
    }
}
