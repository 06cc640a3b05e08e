import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ScribeHTTP

/// The anti-forgery token of the web forms: a random value in the `scribe_csrf` cookie
/// (SameSite=Strict, HttpOnly) that every form repeats in a hidden `csrf` field. Another site
/// can make a browser send the cookie, but it cannot read it to write the field. It backs up
/// ``SessionMiddleware``'s `Origin` check, which older browsers may not support.
public struct FormTokenMiddleware<Context: SessionContext>: RouterMiddleware {
    let secure: Bool

    public init(publicURL: URL) {
        secure = publicURL.scheme == "https"
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let existing = request.cookies[FormToken.cookieName]?.value.nilIfEmpty
        // A new token only for what may show a page with forms: a browser's navigation (it asks
        // for HTML) or a form's submission. An API or ActivityPub request gets none, so it pays
        // for no random bytes.
        let mayShowForms = request.method == .post || request.headers[.accept]?.contains("text/html") == true
        let token = existing ?? (mayShowForms ? FormToken.newToken() : "")
        context.csrfToken = token
        var response = try await next(request, context)
        if existing == nil, !token.isEmpty, response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.setCookie(Cookie(name: FormToken.cookieName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        }
        return response
    }
}

/// The form token itself: its cookie, how a new one is made, and how a submitted one is checked.
public enum FormToken {
    public static let cookieName = "scribe_csrf"

    /// 256 random bits, base64url without padding.
    public static func newToken() -> String {
        let base64 = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
        return String(
            decoding: base64.utf8.compactMap {
                $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 == UInt8(ascii: "=") ? nil : $0
            },
            as: UTF8.self
        )
    }

    /// Whether `submitted` is the request's cookie token, compared in constant time.
    public static func matches(_ submitted: String?, _ request: Request) -> Bool {
        guard let submitted, let cookie = request.cookies[cookieName]?.value, !cookie.isEmpty else { return false }
        let a = Array(submitted.utf8)
        let b = Array(cookie.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
