import ActivityPubKit
import Foundation
import Testing

@Suite("The HTML sanitiser")
struct HTMLSanitizerTests {
    /// Classic cross-site scripting payloads, in the forms filters have historically missed.
    static let payloads: [String] = [
        "<script>alert(1)</script>", "<SCRIPT SRC=//x.example/x.js></SCRIPT>", "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>", "<a href=\"JaVaScRiPt:alert(1)\">x</a>", "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>", "<a href=\"java\nscript:alert(1)\">x</a>", "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>", "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>",
        "<math><mtext><script>alert(1)</script>",
        "<iframe src=\"https://x.example\"></iframe>", "<object data=\"x.swf\"></object>", "<embed src=x.swf>",
        "<style>body{background:url(javascript:x)}</style>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>", "<p style=\"x:expression(alert(1))\">x</p>", "<body onload=alert(1)>",
        "<input autofocus onfocus=alert(1)>", "<details open ontoggle=alert(1)>", "<form action=javascript:alert(1)><button>x</button></form>",
        "<p onclick=\"alert(1)\">click</p>", "<span onmouseover=alert(1) class=\"mention\">@a</span>",
        "<a href=\"https://x.example\" onclick=alert(1)>ok</a>",
        "<<script>alert(1)//<</script>", "<scr<script>ipt>alert(1)</scr</script>ipt>", "<!--<script>alert(1)--><script>alert(1)</script>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", "<template><script>alert(1)</script></template>",
        "<a href=\"https://ok.example\" style=\"position:fixed\">x</a>", "<base href=\"javascript:alert(1)//\">",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<link rel=stylesheet href=javascript:alert(1)>", "<table background=javascript:alert(1)>", "<video><source onerror=alert(1)>",
        "<textarea><script>alert(1)</script></textarea>", "\"><script>alert(1)</script>", "<a href=\"&#x6A;avascript&#x3A;alert(1)\">x</a>",
        "<p>text</p><script/xss src=x></script>", "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"/>", "<a href=\"\\u006Aavascript:alert(1)\">x</a>",
    ]

    static let allowedTags: Set<String> = [
        "p", "br", "span", "a", "abbr", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em", "ul", "ol", "li", "ruby", "rt", "rp",
    ]

    /// Problems an output would have if it could execute anything.
    static func executableMarkup(in html: String) -> [String] {
        var problems: [String] = []
        let lowered = html.lowercased()
        for needle in ["javascript:", "vbscript:", "data:", "<script", "<style", "<iframe", "<svg", "<math", "<object", "<embed", "expression("]
        where lowered.contains(needle) {
            // "javascript:" may appear as escaped text; only inside an attribute or a tag is it dangerous.
            if needle.hasPrefix("<") || lowered.contains("=\"" + needle) { problems.append(needle) }
        }
        if lowered.range(of: #"<[a-z][^>]*\son[a-z]+\s*="#, options: .regularExpression) != nil { problems.append("event handler") }
        if lowered.range(of: #"\sstyle\s*="#, options: .regularExpression) != nil { problems.append("style attribute") }
        for match in lowered.matches(of: /<\/?([a-z0-9]+)/) where !allowedTags.contains(String(match.1)) { problems.append("tag \(match.1)") }
        return problems
    }

    @Test("no XSS payload leaves executable markup", arguments: payloads)
    func payload(_ html: String) {
        let clean = HTMLSanitizer.sanitize(html)
        #expect(Self.executableMarkup(in: clean).isEmpty, "\(clean)")
        #expect(HTMLSanitizer.sanitize(clean) == clean)
    }

    @Test("every HTML string of the fediverse fixtures comes out safe, and sanitising twice changes nothing")
    func fixtureCorpus() throws {
        var checked = 0
        for file in FediverseFixtureTests.files {
            let document = try ASObject.decode(Data(contentsOf: FediverseFixtureTests.root.appendingPathComponent(file)))
            var strings: [String] = []
            func collect(_ value: JSONLDValue) {
                switch value {
                case .string(let text) where text.contains("<"): strings.append(text)
                case .array(let values): values.forEach(collect)
                case .object(let object): object.values.forEach(collect)
                default: break
                }
            }
            collect(.object(document.properties))
            for html in strings {
                let clean = HTMLSanitizer.sanitize(html)
                #expect(Self.executableMarkup(in: clean).isEmpty, "\(file): \(clean)")
                #expect(HTMLSanitizer.sanitize(clean) == clean, "\(file)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    @Test("what Mastodon keeps survives: paragraphs, mentions, hashtags, safe links with rel, lists")
    func keepsMastodonMarkup() {
        let mastodon =
            #"<p><span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span> hi <a href="https://m.example/tags/art" class="mention hashtag" rel="tag">#<span>art</span></a><br>line</p><ol start="3"><li>one</li></ol>"#
        #expect(
            HTMLSanitizer.sanitize(mastodon)
                == #"<p><span class="h-card"><a href="https://m.example/@bob" rel="nofollow noopener" target="_blank" class="u-url mention">@<span>bob</span></a></span> hi <a href="https://m.example/tags/art" rel="nofollow noopener" target="_blank" class="mention hashtag">#<span>art</span></a><br>line</p><ol start="3"><li>one</li></ol>"#
        )
        #expect(HTMLSanitizer.sanitize("<div><h1>Title</h1><table><tr><td>cell</td></tr></table></div>") == "Titlecell")
        #expect(HTMLSanitizer.sanitize("<p class=\"evil\">x &amp; <b>y</b></p>") == "<p>x &amp; <b>y</b></p>")
        #expect(HTMLSanitizer.sanitize("<a href=\"/relative\">r</a>") == "<a>r</a>")
        #expect(HTMLSanitizer.sanitize("") == "" && HTMLSanitizer.sanitize("plain & simple") == "plain &amp; simple")
    }

    @Test("huge and deeply nested input stays bounded")
    func bounded() {
        let deep = String(repeating: "<span>", count: 5_000) + "x" + String(repeating: "</span>", count: 5_000)
        let clean = HTMLSanitizer.sanitize(deep)
        #expect(clean.components(separatedBy: "<span>").count <= 102)  // nesting past the limit is flattened or dropped
        #expect(Self.executableMarkup(in: clean).isEmpty)
        let shallow = String(repeating: "<em>", count: 50) + "x" + String(repeating: "</em>", count: 50)
        #expect(HTMLSanitizer.sanitize(shallow) == shallow)
        let huge = String(repeating: "<p>lorem ipsum</p>", count: 100_000)
        #expect(HTMLSanitizer.sanitize(huge).utf8.count <= HTMLSanitizer.maximumInputSize + 1024)
    }

    @Test("rel=me links are found in a whole page, head and body, by the rel token only")
    func relMeLinks() {
        let page = """
            <!DOCTYPE html><html><head><title>Me</title><link rel="me" href="https://a.example/@me">
            <link rel="stylesheet" href="/s.css"></head><body><p>Hi <a rel="nofollow ME noopener" href=" https://b.example/@me ">b</a>
            <a rel="meh" href="https://c.example/@me">not me</a><a href="https://d.example/@me">no rel</a>
            <div><div><span><a rel="me" href="https://e.example/users/me">deep</a></span></div></div></body></html>
            """
        #expect(HTMLSanitizer.relMeLinks(in: page) == ["https://a.example/@me", "https://b.example/@me", "https://e.example/users/me"])
        #expect(HTMLSanitizer.relMeLinks(in: "not html at all").isEmpty)
        #expect(HTMLSanitizer.relMeLinks(in: "").isEmpty)
    }

    @Test("a note's text is what a reader sees: entities read, blocks and breaks as spaces, dropped elements leave nothing")
    func text() {
        let html =
            "<p>Fish &amp; chips &lt;3<br>tonight</p><p>At <a href=\"https://x.example\"><span class=\"invisible\">https://</span>x.example</a></p>"
            + "<script>alert(1)</script><ul><li>one</li><li>two</li></ul>"
        let text = HTMLSanitizer.text(of: html).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text == "Fish & chips <3 tonight At https://x.example one two")
        #expect(HTMLSanitizer.text(of: "plain words").trimmingCharacters(in: .whitespaces) == "plain words")
        #expect(HTMLSanitizer.text(of: "").isEmpty)
    }
}
