import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ScribeContracts
import ScribeHTTP

/// The server-rendered pages: Mustache templates (`Web/Templates`, shipped as the target's
/// resources) rendered into one layout. Every page gets the same frame: who is logged in, the
/// form token, and the meta tags a link preview needs.
///
/// Guarantees: every value reaches HTML through ``HTMLText``'s escaping (`{{…}}`); the only
/// unescaped values (`{{{…}}}`) are HTML this server made or sanitised on arrival.
public struct Pages: Sendable {
    let library: MustacheLibrary
    public let publicURL: URL
    /// The server's name (`SCRIBE_INSTANCE_NAME`) and one sentence about it.
    public let siteName: String
    public let siteDescription: String

    /// Templates that could not be read or parsed: a packaging bug, logged at start-up and
    /// checked by a test.
    public let problems: [String]

    public init(publicURL: URL, siteName: String = "Scribe", siteDescription: String = "") {
        _ = HTMLText.registered
        self.publicURL = publicURL
        self.siteName = siteName
        self.siteDescription = siteDescription
        var library = MustacheLibrary()
        var problems: [String] = []
        if let directory = Self.resources?.appendingPathComponent("Templates") {
            let files = FileManager.default.enumerator(atPath: directory.path)
            while let path = files?.nextObject() as? String {
                guard path.hasSuffix(".mustache") else { continue }
                do {
                    let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
                    try library.register(HTMLText.pragma + text, named: String(path.dropLast(".mustache".count)))
                } catch {
                    problems.append("\(path): \(error)")
                }
            }
        }
        if library.getTemplate(named: "layout") == nil { problems.append("the page templates are missing from the server's resources") }
        self.library = library
        self.problems = problems
    }

    public func hasTemplate(_ name: String) -> Bool { library.getTemplate(named: name) != nil }

    /// The target's resources: templates and the style sheet.
    public static var resources: URL? { Bundle.module.resourceURL }

    /// What the layout shows around every page.
    public struct Frame {
        var title: String
        var siteName: String
        var user: User?
        var csrf: String
        var path: String
        /// Link preview (OpenGraph, Twitter card) and discovery.
        var meta: Meta?
        var notice: String?
        /// Whether this browser chose to see adult art without a blur (``adultCookie``).
        var showAdult: Bool

        struct User {
            var username: String
            var isModerator: Bool
        }

        public struct Meta {
            var description: String
            var url: String
            var type: String
            var image: String?
            /// The ActivityPub document of what the page shows, for `<link rel="alternate">`.
            var activityPub: String?
        }
    }

    /// The page's own values beside the frame: templates read `{{frame.title}}` and `{{#page}}…`.
    struct Rendered<Page> {
        var frame: Frame
        var page: Page
    }

    /// The cookie that remembers a browser's choice to see adult art unblurred: a display
    /// preference, like Mastodon's "always show media", kept per browser so visitors have it too.
    static let adultCookie = "scribe_adult"

    public func frame(_ title: String, context: some SessionContext, request: Request, meta: Frame.Meta? = nil, notice: String? = nil) -> Frame {
        Frame(
            title: title,
            siteName: siteName,
            user: context.user.map { Frame.User(username: $0.username, isModerator: $0.role.moderates) },
            csrf: context.csrfToken ?? "",
            path: request.uri.path,
            meta: meta,
            notice: notice ?? request.cookies[Self.noticeCookie]?.value.removingPercentEncoding?.nilIfEmpty,
            showAdult: request.cookies[Self.adultCookie]?.value == "show"
        )
    }

    /// Renders `template` in the layout as a complete response (and forgets the notice it showed).
    public func render<Page>(
        _ template: String,
        title: String,
        page: Page,
        request: Request,
        context: some SessionContext,
        meta: Frame.Meta? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let values = TemplateValues.prepared(Rendered(frame: frame(title, context: context, request: request, meta: meta), page: page)) ?? [:]
        let html = library.render(values, withTemplate: template) ?? ""
        var response = Self.html(html, status: status)
        if request.cookies[Self.noticeCookie] != nil {
            response.setCookie(Cookie(name: Self.noticeCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    public static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; frame-ancestors 'none'; form-action 'self' https:",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// The one-time message the next page shows ("Saved."), carried in a short-lived cookie
    /// rather than the URL, so no link from elsewhere can put words on our pages.
    public static let noticeCookie = "scribe_notice"

    /// After a form: back to a page, with an optional notice to show there (303, so the browser GETs).
    public static func redirect(_ location: String, notice: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let notice, let encoded = notice.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
            response.setCookie(Cookie(name: noticeCookie, value: encoded, maxAge: 60, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }
}

/// How every page template escapes `{{…}}` values: ``HTMLSanitizer/escape(_:)``, by code point.
/// swift-mustache's own HTML escaping compares `Character`s, so a `"` or `<` followed by a
/// combining mark (one grapheme) went out unescaped, and such a quote ends the attribute it
/// stands in: a display name could add an event handler to a page (found by `scripts/fuzz`).
struct HTMLText: MustacheContentType {
    static let name = "SCRIBE_HTML"
    /// Put first in every template, before anything is rendered.
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"
    static let registered: Void = MustacheContentTypes.register(HTMLText(), named: name)

    func escapeText(_ text: String) -> String { HTMLSanitizer.escape(text) }
}
