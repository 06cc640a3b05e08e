import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeCore
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// fediverse-pasture's inputs (`Tests/Fixtures/fediverse/pasture/`, made by
/// `scripts/pasture-corpus`): the cases its support tables compare Mastodon, Misskey, Akkoma,
/// GoToSocial and others on, sent as the pasture sends them to a user who follows their author.
/// Each is accepted, and what Scribe claims to show of it is shown: the note in the feed, its
/// HTML made safe, its content warning, its media with their alt text. `docs/federation.md`
/// has the table this test prints.
@Suite("fediverse-pasture's inputs")
struct PastureCorpusTests {
    struct Case {
        var file: String
        var input: String
        /// The object as it was sent (re-addressed to the peer).
        var original: ASObject
        var objectID: String?
        var activityID: String
    }

    @Test("every pasture input is accepted and reaches the follower's feed as Scribe claims: safe HTML, content warnings, media and alt text")
    func pastureInputs() async throws {
        let files = Fixtures.fediverseFiles.filter { $0.hasPrefix("pasture/") }
        #expect(files.count > 200)
        try await withTestInstance(host: "127.0.0.5") { instance in
            let token = try await instance.signUp("alice")
            let alice = try await instance.modules.core.accounts.authenticate(token: token).account.id
            let social = instance.modules.social
            try await withTestPeer { peer in
                try await InboundModerationTests.mutualFollow(instance, peer, alice: alice, name: "fixture")
                var cases: [Case] = []
                for file in files {
                    let index = 1000 + cases.count
                    let original = try ASObject.decode(Data(contentsOf: Fixtures.fediverse.appendingPathComponent(file)))
                    let activity = try #require(try InboxTests.readdressed(file, peer: peer, index: index))
                    let reply = try await peer.post(activity, to: "\(instance.publicURL)/inbox", as: "fixture")
                    #expect(reply.status == 202, "\(file): \(reply.status) \(reply.text)")
                    cases.append(
                        Case(
                            file: file,
                            input: original["pasture"]?.object?["input"]?.string ?? "?",
                            original: activity.object.first?.object ?? [:],
                            objectID: activity.object.first?.object?.id,
                            activityID: activity.id ?? ""
                        )
                    )
                }
                let drained = try await eventually(timeout: .seconds(90)) {
                    try await FederationBetweenInstancesTests.rows(instance, "SELECT 1 FROM social.inbox_activities WHERE state = 'pending'").isEmpty
                }
                let pending = try await FederationBetweenInstancesTests.rows(
                    instance,
                    "SELECT activity_id || ' ' || attempts || ' ' || coalesce(reason, '') FROM social.inbox_activities WHERE state = 'pending' ORDER BY seq LIMIT 5"
                ).map { try $0.decode(String.self) }
                #expect(drained, "still pending: \(pending)")
                var feed: [String: Feeds.Entry] = [:]
                var before: Int64?
                while true {
                    let page = try await social.feeds.home(for: alice, before: before, limit: 100)
                    for entry in page { feed[entry.object] = entry }
                    guard page.count == 100 else { break }
                    before = page.last?.id
                }

                var table: [String: (examples: Int, shown: Int, warnings: Int, media: Int)] = [:]
                for item in cases {
                    let entry = item.objectID.flatMap { feed[$0] }
                    var row = table[item.input] ?? (0, 0, 0, 0)
                    row.examples += 1
                    if let entry {
                        row.shown += 1
                        if entry.display.contentWarning != nil { row.warnings += 1 }
                        if !entry.display.attachments.isEmpty { row.media += 1 }
                    }
                    table[item.input] = row
                    Self.check(item, entry)
                }
                // Notes, articles and pages with an id and an author are all shown.
                for item in cases where Self.isShowable(item.original) && item.objectID.flatMap({ feed[$0] }) == nil {
                    let reason = try await FederationBetweenInstancesTests.rows(
                        instance,
                        "SELECT state || ': ' || coalesce(reason, '') FROM social.inbox_activities WHERE activity_id = '\(item.activityID)'"
                    ).first?.decode(String.self)
                    Issue.record("\(item.file) is not in the feed (\(reason ?? "not stored"))")
                }
                print("| input | examples | in the feed | with a content warning | with media |")
                print("|---|---:|---:|---:|---:|")
                for (input, row) in table.sorted(by: { $0.key < $1.key }) {
                    print("| `\(input)` | \(row.examples) | \(row.shown) | \(row.warnings) | \(row.media) |")
                }
            }
        }
    }

    /// What Mastodon shows as a status too: one of the types it shows or converts, with an id and
    /// its author.
    static func isShowable(_ object: ASObject) -> Bool {
        object.id != nil && object.attributedTo?.id != nil
            && ["Note", "Question", "Article", "Page", "Image", "Audio", "Video", "Event"].contains(where: object.isA)
    }

    /// What Scribe claims to show of one input, checked against the input itself.
    static func check(_ item: Case, _ entry: Feeds.Entry?) {
        guard let entry else { return }
        // HTML is made safe: nothing that runs, nothing that loads.
        for html in [entry.content, entry.display.contentWarning ?? ""] {
            let lower = html.lowercased()
            for forbidden in ["<script", "javascript:", "<img", "<iframe", "<style", " onerror", " onclick", " style="] {
                #expect(!lower.contains(forbidden), "\(item.file): \(forbidden) in \(html)")
            }
        }
        // A summary is a content warning, and folds the note.
        if let summary = item.original["summary"]?.string, !summary.trimmingCharacters(in: .whitespaces).isEmpty {
            #expect(entry.display.contentWarning != nil && entry.display.sensitive, "\(item.file): the summary is not a warning")
        }
        if item.original["sensitive"]?.bool == true { #expect(entry.display.sensitive, "\(item.file): not folded") }
        // A quote, by any of the names Mastodon and Misskey give it, names the quoted post.
        if let quoted = ["quote", "_misskey_quote", "quoteUrl", "quoteUri"].lazy.compactMap({ item.original[$0]?.string }).first {
            #expect(entry.display.quote == quoted, "\(item.file): the quote is lost")
        }
        // Every image or document at an http(s) URL is shown, with its alt text.
        // Up to Mastodon's 16 per status.
        let media = item.original.references("attachment").compactMap(\.object).filter { ["Image", "Document"].contains(where: $0.isA) }
            .prefix(16)
        for file in media {
            guard let url = file.references("url").first.flatMap({ $0.id ?? $0.object?["href"]?.string }), url.hasPrefix("http") else { continue }
            let shown = entry.display.attachments.first { $0.url == url }
            #expect(shown != nil, "\(item.file): \(url) is not shown")
            if let name = file["name"]?.string, !name.isEmpty { #expect(shown?.description == name, "\(item.file): alt text lost") }
            if file["sensitive"]?.bool == true { #expect(entry.display.sensitive, "\(item.file): a sensitive file is not folded") }
        }
    }
}
