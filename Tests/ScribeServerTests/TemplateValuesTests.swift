import Foundation
import Mustache
import Testing

@testable import ScribeWeb

/// Pages render from their values made into dictionaries once (``TemplateValues``), which must
/// show exactly what rendering the values themselves shows.
@Suite("Template values")
struct TemplateValuesTests {
    enum Kind { case character, lorebook }

    struct Review {
        var author: String
        var stars: Int
        var reply: String?
    }

    final class Owner {
        var username = "alice"
        var verified = true
    }

    struct Page {
        var title: String
        /// Nil here: `{{notice}}` is looked for further up the stack, as for a missing name.
        var notice: String?
        var kind: Kind
        var reviews: [Review]
        var empty: [Review]
        var hidden: Bool
        var owner: Owner
        var count: Int?
        var price: Double
        var tags: [String]
    }

    struct Frame {
        var notice: String
        var siteName: String
    }

    struct Rendered {
        var frame: Frame
        var page: Page
    }

    static let template = """
        {{#frame}}{{siteName}}{{/frame}}|{{#page}}{{title}} {{notice}} {{kind}} {{#hidden}}H{{/hidden}}{{^hidden}}shown{{/hidden}}\
        {{#reviews}}[{{author}} {{stars}} {{#reply}}re:{{.}}{{/reply}}{{^reply}}no reply{{/reply}} {{title}}]{{/reviews}}\
        {{^empty}}none{{/empty}} {{#owner}}@{{username}}{{#verified}}✓{{/verified}}{{/owner}} {{count}}{{^count}}no count{{/count}} {{price}}\
        {{#tags}}<{{.}}>{{/tags}} {{#first(tags)}}{{.}}{{/first(tags)}} {{#reversed(reviews)}}{{author}}{{/reversed(reviews)}}\
        {{^empty(reviews)}}some{{/empty(reviews)}}{{#empty(empty)}} empty{{/empty(empty)}} {{#sorted(tags)}}{{.}}{{/sorted(tags)}}{{/page}}|{{page.owner.username}}|{{frame.notice}}
        """

    @Test("a page renders the same from its values and from the dictionaries made of them")
    func sameOutput() throws {
        let template = try MustacheTemplate(string: Self.template)
        let page = Page(
            title: "Seraphina",
            notice: nil,
            kind: .character,
            reviews: [Review(author: "bob", stars: 5, reply: "thanks"), Review(author: "carol", stars: 3, reply: nil)],
            empty: [],
            hidden: false,
            owner: Owner(),
            count: nil,
            price: 4.5,
            tags: ["fantasy", "guardian"]
        )
        let rendered = Rendered(frame: Frame(notice: "Saved.", siteName: "Scribe"), page: page)
        let direct = template.render(rendered)
        let prepared = template.render(try #require(TemplateValues.prepared(rendered)))
        #expect(prepared == direct)
        // The comparison means something only if the template used what it names.
        #expect(direct.contains("Saved.") && direct.contains("re:thanks") && direct.contains("no reply") && direct.contains("@alice✓"))
        #expect(direct.contains("none") && direct.contains("no count") && direct.contains("<fantasy><guardian>") && direct.contains("character"))
        #expect(direct.contains("carolbob") && direct.contains("some empty") && direct.contains("fantasyguardian"))
    }
}
