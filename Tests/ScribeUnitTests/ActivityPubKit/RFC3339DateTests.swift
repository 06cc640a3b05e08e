import ActivityPubKit
import Foundation
import Testing

@Suite("Timestamps of ActivityStreams documents")
struct RFC3339DateTests {
    @Test(
        "RFC 3339 date-times are read with their fraction and offset",
        arguments: [
            ("2026-11-27T01:02:03Z", 1_795_741_323.0),
            ("2026-11-27t01:02:03z", 1_795_741_323.0),
            ("2026-11-27T01:02:03.25Z", 1_795_741_323.25),
            ("2026-11-27T02:02:03+01:00", 1_795_741_323.0),
            ("2026-11-26T23:32:03-01:30", 1_795_741_323.0),
            ("2021-03-01T13:42:43.96620811111111111111111111111111111111111111111Z", 1_614_606_163.966208),
        ]
    )
    func reads(text: String, seconds: Double) throws {
        let date = try #require(RFC3339Date.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_01)
    }

    @Test(
        "anything else is no date",
        arguments: [
            "", "2026-11-27", "2026-11-27T01:02:03", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-27T24:00:00Z",
            "2026-11-27T01:02:03.Z", "2026-11-27T01:02:03+0100", "2026-11-27T01:02:03+25:00", "2026-11-27 01:02:03Z", "２０２６-11-27T01:02:03Z",
            "2026-11-27T01:02:03Z trailing", "+2026-11-27T01:02:03Z",
        ]
    )
    func refuses(text: String) {
        #expect(RFC3339Date.date(from: text) == nil)
    }
}
