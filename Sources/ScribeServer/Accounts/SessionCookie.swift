import Foundation
import Hummingbird

/// The browser's copy of a session token: `scribe_session`, HttpOnly, SameSite=Lax, Path=/,
/// Secure when the public URL is https, expiring with the session.
struct SessionCookie {
    static let name = "scribe_session"

    let secure: Bool

    init(publicURL: URL) {
        secure = publicURL.scheme == "https"
    }

    func setting(token: String, expiresAt: Date) -> Cookie {
        Cookie(
            name: Self.name,
            value: token,
            maxAge: max(Int(expiresAt.timeIntervalSinceNow), 0),
            path: "/",
            secure: secure,
            httpOnly: true,
            sameSite: .lax
        )
    }

    func clearing() -> Cookie {
        Cookie(name: Self.name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
