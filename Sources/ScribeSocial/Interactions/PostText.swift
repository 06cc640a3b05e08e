import ActivityPubKit
import Foundation

/// What a user typed, read as Mastodon reads a status: `@user` and `@user@host` are mentions,
/// `#word` is a hashtag, a blank line starts a paragraph and a line break stays one. The HTML is
/// built from escaped text, so nothing the user types becomes markup of its own.
struct PostText {
    /// A mention as typed: `username` and, for another server, `host`.
    struct Mention: Hashable {
        var username: String
        var host: String?
        var typed: String { host.map { "@\(username)@\($0)" } ?? "@\(username)" }
    }

    let text: String

    // Mastodon's rules, simplified: a mention or hashtag starts after a space, a line start or
    // punctuation that is not part of a word or URL.
    private static let mentionPattern = try! NSRegularExpression(
        pattern: #"(?<![\p{L}\p{N}_@/.])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?))?"#
    )
    private static let hashtagPattern = try! NSRegularExpression(pattern: #"(?<![\p{L}\p{N}_&/#])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)"#)

    /// The mentions, in the order typed, each once.
    var mentions: [Mention] {
        var seen: [Mention] = []
        for match in Self.matches(Self.mentionPattern, in: text) {
            let username = match[1] ?? ""
            let mention = Mention(username: username, host: match[2]?.lowercased())
            if !seen.contains(mention) { seen.append(mention) }
        }
        return seen
    }

    /// The hashtags, without `#`, in the order typed, each once (case-insensitively), at most 20.
    var hashtags: [String] {
        var seen: [String] = []
        for match in Self.matches(Self.hashtagPattern, in: text) {
            guard let name = match[1], name.count <= 64, !seen.contains(where: { $0.lowercased() == name.lowercased() }) else { continue }
            seen.append(name)
        }
        return Array(seen.prefix(20))
    }

    /// The text as HTML: paragraphs, line breaks, and each resolved mention and each hashtag a
    /// link as Mastodon marks them (`h-card` mentions, `rel="tag"` hashtags).
    ///
    /// - Parameters:
    ///   - mentioned: the actor id of each mention that resolved; the others stay text.
    ///   - tagURL: the page of a hashtag on this server.
    func html(mentioned: [Mention: String], tagURL: (String) -> String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n\n").map { paragraph in
            "<p>" + linked(paragraph, mentioned: mentioned, tagURL: tagURL).replacingOccurrences(of: "\n", with: "<br>") + "</p>"
        }.joined()
    }

    private func linked(_ paragraph: String, mentioned: [Mention: String], tagURL: (String) -> String) -> String {
        let source = paragraph as NSString
        var links: [(range: NSRange, html: String)] = []
        for match in Self.mentionPattern.matches(in: paragraph, range: NSRange(location: 0, length: source.length)) {
            let username = source.substring(with: match.range(at: 1))
            let host = match.range(at: 2).location == NSNotFound ? nil : source.substring(with: match.range(at: 2)).lowercased()
            guard let actor = mentioned[Mention(username: username, host: host)] else { continue }
            let link =
                "<span class=\"h-card\"><a href=\"\(HTMLSanitizer.escape(actor))\" class=\"u-url mention\">@<span>\(HTMLSanitizer.escape(username))</span></a></span>"
            links.append((match.range, link))
        }
        for match in Self.hashtagPattern.matches(in: paragraph, range: NSRange(location: 0, length: source.length)) {
            let name = source.substring(with: match.range(at: 1))
            guard !links.contains(where: { NSIntersectionRange($0.range, match.range).length > 0 }) else { continue }
            links.append((match.range, Self.hashtagLink(name, href: tagURL(name.lowercased()))))
        }
        var html = ""
        var position = 0
        for link in links.sorted(by: { $0.range.location < $1.range.location }) {
            html += HTMLSanitizer.escape(source.substring(with: NSRange(location: position, length: link.range.location - position)))
            html += link.html
            position = link.range.location + link.range.length
        }
        return html + HTMLSanitizer.escape(source.substring(from: position))
    }

    /// A hashtag as Mastodon links it, so its web client shows it as a tag.
    static func hashtagLink(_ name: String, href: String) -> String {
        "<a href=\"\(HTMLSanitizer.escape(href))\" class=\"mention hashtag\" rel=\"tag\">#<span>\(HTMLSanitizer.escape(name))</span></a>"
    }

    private static func matches(_ pattern: NSRegularExpression, in text: String) -> [[String?]] {
        let source = text as NSString
        return pattern.matches(in: text, range: NSRange(location: 0, length: source.length)).map { match in
            (0..<match.numberOfRanges).map { index in
                match.range(at: index).location == NSNotFound ? nil : source.substring(with: match.range(at: index))
            }
        }
    }
}
