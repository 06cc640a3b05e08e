import Foundation
import Hummingbird

/// The browser's copy of a session token: `scribe_session`, HttpOnly, SameSite=Lax, Path=/,
/// Secure when the public URL is https, expiring with the session.
public struct SessionCookie: Sendable {
    public static let name = "scribe_session"

    /// Whether cookies are sent over https only (the public URL is https).
    public let secure: Bool

    public init(publicURL: URL) {
        secure = publicURL.scheme == "https"
    }

    public func setting(token: String, expiresAt: Date) -> Cookie {
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

    public func clearing() -> Cookie {
        Cookie(name: Self.name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
