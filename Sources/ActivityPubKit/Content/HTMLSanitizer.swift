import CLibXML2
import Foundation

/// Makes remote HTML safe to show, keeping what Mastodon keeps.
///
/// The input is parsed by libxml2's HTML parser (as a browser would, forgivingly) and written
/// out again from an allow-list:
/// - kept: `p br span a abbr del s pre blockquote code b strong u i em ul ol li ruby rt rp`;
/// - attributes: `href` on links (http, https and the other schemes Mastodon allows, never
///   `javascript:` or `data:`), which always get `rel="nofollow noopener" target="_blank"`;
///   `class` on `a` and `span` only for the microformat and mention classes Mastodon uses
///   (`h-*`, `p-*`, `u-*`, `dt-*`, `e-*`, `mention`, `hashtag`, `ellipsis`, `invisible`);
///   `start` and `reversed` on `ol`, `value` on `li`; `title` on `abbr`;
/// - dropped with their content: `script`, `style`, `template`, `iframe`, `object`, `embed`,
///   `svg`, `math`, `noscript`, `head`, `title`, `form`, `textarea`, `select`, `button`;
/// - every other element is replaced by its content (flattened to text).
///
/// The output is built by us, not serialised by libxml2, so it can only ever contain the tags
/// and attributes above, escaped. Input beyond 512 KiB is cut, nesting beyond 100 levels is
/// flattened (and libxml2 itself stops descending past its own depth limit), so time and memory
/// stay bounded.
public enum HTMLSanitizer {
    public static let maximumInputSize = 512 * 1024
    static let maximumDepth = 100

    /// The only elements the output can contain.
    public static let keptElements: Set<String> = [
        "p", "br", "span", "a", "abbr", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em", "ul", "ol", "li", "ruby", "rt", "rp",
    ]
    static let droppedElements: Set<String> = [
        "script", "style", "template", "iframe", "object", "embed", "svg", "math", "noscript", "head", "title", "form", "textarea", "select",
        "button",
    ]
    static let linkSchemes: Set<String> = ["http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"]
    static let classPrefixes = ["h-", "p-", "u-", "dt-", "e-"]
    static let plainClasses: Set<String> = ["mention", "hashtag", "ellipsis", "invisible"]

    private static let initialise: Void = { xmlInitParser() }()

    /// The safe form of `html`.
    public static func sanitize(_ html: String) -> String {
        guard !html.isEmpty else { return "" }
        // Inside a <div> (which is flattened like any unlisted element) the parser does not wrap
        // loose text in an implied <p>, so plain text stays plain and sanitising is idempotent.
        return withParsed(Array("<div>".utf8) + html.utf8.prefix(maximumInputSize) + Array("</div>".utf8)) { root in
            var output = ""
            // The parser wraps a fragment in <html><body>; start from the body's children.
            writeChildren(of: firstChild(named: "body", of: root) ?? root, depth: 0, into: &output)
            return output
        } ?? ""
    }

    /// Parses `html` forgivingly, without the network, and hands `read` its root element; nil
    /// when nothing parses. The tree lives only for the call.
    private static func withParsed<Result>(_ html: some Sequence<UInt8>, _ read: (xmlNodePtr) -> Result) -> Result? {
        _ = initialise
        var bytes = Array(html)
        let options = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_RECOVER.rawValue)
        guard
            let document = bytes.withUnsafeMutableBufferPointer({ buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    htmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
                }
            })
        else { return nil }
        defer { xmlFreeDoc(document) }
        bytes.removeAll()
        guard let root = xmlDocGetRootElement(document) else { return nil }
        return read(root)
    }

    /// The text a reader sees in `html`, entities read: elements dropped by ``sanitize(_:)``
    /// leave nothing, and a line break or the end of a block (paragraph, list item, quote) is a
    /// space. Only the first 512 KiB are read.
    public static func text(of html: String) -> String {
        guard !html.isEmpty else { return "" }
        return withParsed(Array("<div>".utf8) + html.utf8.prefix(maximumInputSize) + Array("</div>".utf8)) { root in
            var text = ""
            collectText(under: firstChild(named: "body", of: root) ?? root, depth: 0, into: &text)
            return text
        } ?? ""
    }

    static let blockElements: Set<String> = ["p", "br", "li", "blockquote", "pre", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"]

    private static func collectText(under node: xmlNodePtr, depth: Int, into text: inout String) {
        guard depth <= maximumDepth else { return }
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { text += String(cString: content) }
            case XML_ELEMENT_NODE:
                let name = current.pointee.name.map { String(cString: $0).lowercased() } ?? ""
                if !droppedElements.contains(name) {
                    collectText(under: current, depth: depth + 1, into: &text)
                    if blockElements.contains(name) { text += " " }
                }
            default:
                break
            }
            child = current.pointee.next
        }
    }

    /// The `href`s of every `<a>` and `<link>` whose `rel` names `me` in a whole page (the
    /// links by which a page says "this profile is also me"), in document order, head and body.
    /// Only the first 512 KiB are read.
    public static func relMeLinks(in html: String) -> [String] {
        withParsed(html.utf8.prefix(maximumInputSize)) { root in
            var links: [String] = []
            collectRelMe(under: root, depth: 0, into: &links)
            return links
        } ?? []
    }

    private static func collectRelMe(under node: xmlNodePtr, depth: Int, into links: inout [String]) {
        guard depth <= maximumDepth else { return }
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, let rawName = current.pointee.name {
                let name = String(cString: rawName).lowercased()
                if name == "a" || name == "link", let rel = attribute("rel", of: current),
                    rel.lowercased().split(whereSeparator: \.isWhitespace).contains("me"), let href = attribute("href", of: current)
                {
                    links.append(href.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                collectRelMe(under: current, depth: depth + 1, into: &links)
            }
            child = current.pointee.next
        }
    }

    // MARK: Walking the tree

    private static func writeChildren(of node: xmlNodePtr, depth: Int, into output: inout String) {
        var child = node.pointee.children
        while let current = child {
            write(current, depth: depth + 1, into: &output)
            child = current.pointee.next
        }
    }

    private static func write(_ node: xmlNodePtr, depth: Int, into output: inout String) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = node.pointee.content { output += escape(String(cString: content)) }
        case XML_ELEMENT_NODE:
            let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
            if droppedElements.contains(name) { return }
            guard keptElements.contains(name), depth <= maximumDepth else {
                writeChildren(of: node, depth: depth, into: &output)
                return
            }
            output += "<" + name + attributes(of: node, element: name) + ">"
            if name == "br" { return }
            writeChildren(of: node, depth: depth, into: &output)
            output += "</" + name + ">"
        default:
            return  // comments, processing instructions, doctype: nothing to show
        }
    }

    private static func firstChild(named name: String, of node: xmlNodePtr) -> xmlNodePtr? {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, let childName = current.pointee.name, String(cString: childName).lowercased() == name {
                return current
            }
            child = current.pointee.next
        }
        return nil
    }

    // MARK: Attributes

    private static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { scribe_xml_free(value) }
        return String(cString: value)
    }

    private static func attributes(of node: xmlNodePtr, element: String) -> String {
        var kept: [(String, String)] = []
        switch element {
        case "a":
            if let href = attribute("href", of: node).flatMap(safeLink) {
                kept += [("href", href), ("rel", "nofollow noopener"), ("target", "_blank")]
            }
            kept += classes(of: node)
        case "span":
            kept += classes(of: node)
        case "abbr":
            if let title = attribute("title", of: node) { kept.append(("title", title)) }
        case "ol":
            if let start = attribute("start", of: node), Int(start) != nil { kept.append(("start", start)) }
            if attribute("reversed", of: node) != nil { kept.append(("reversed", "reversed")) }
        case "li":
            if let value = attribute("value", of: node), Int(value) != nil { kept.append(("value", value)) }
        default:
            break
        }
        return kept.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    private static func classes(of node: xmlNodePtr) -> [(String, String)] {
        let allowed = (attribute("class", of: node) ?? "").split(separator: " ").map(String.init).filter { name in
            plainClasses.contains(name) || classPrefixes.contains { name.hasPrefix($0) && name.count > $0.count }
        }.filter { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } }
        return allowed.isEmpty ? [] : [("class", allowed.joined(separator: " "))]
    }

    /// The link if its scheme is one Mastodon allows; relative links are dropped too, since
    /// they would resolve against our server.
    static func safeLink(_ href: String) -> String? {
        let trimmed = href.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        let scheme = trimmed[..<colon].lowercased()
        guard linkSchemes.contains(scheme), !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            return nil
        }
        return trimmed
    }

    /// Plain text as HTML text: `& < > " '` escaped, so it can go into content or an attribute.
    ///
    /// By code point, as a browser reads it, never by `Character`: a combining mark after `"`
    /// or `<` makes one grapheme of the two, which a `Character` comparison does not see, and
    /// such a quote would end the attribute it stands in (found by `scripts/fuzz`, target `html`).
    public static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
