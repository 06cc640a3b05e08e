import Foundation
import ScribeContracts

/// What makes a username, email or password acceptable.
enum AccountRules {
    /// Mastodon's rule, so `@name@host` works everywhere: `[a-z0-9_]+([.-]+[a-z0-9_]+)*`,
    /// matched case-insensitively, at most 30 characters. Equivalently: only letters, digits,
    /// `_`, `.` and `-`, starting and ending with a letter, digit or `_`.
    static func checkUsername(_ username: String) throws(CoreError) {
        guard (1...30).contains(username.count) else { throw .invalid("username", "A username has 1 to 30 characters.") }
        func isWord(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" }
        let scalars = Array(username.lowercased().unicodeScalars)
        guard scalars.allSatisfy({ isWord($0) || $0 == "." || $0 == "-" }), isWord(scalars.first!), isWord(scalars.last!) else {
            throw .invalid("username", "A username uses letters, digits and underscores, joined by dots or dashes (like jane_doe or jane.doe).")
        }
    }

    /// A plausible address: one `@`, something on each side, a dot in the domain, no spaces.
    static func checkEmail(_ email: String) throws(CoreError) {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 320, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace)
        else { throw .invalid("email", "That is not an email address.") }
    }

    /// At least 10 characters and at most 1,024 (the KDF takes any length; the cap keeps a
    /// request from making the server hash megabytes).
    static func checkPassword(_ password: String, field: String = "password") throws(CoreError) {
        guard password.count >= 10 else { throw .invalid(field, "A password has at least 10 characters.") }
        guard password.utf8.count <= 1_024 else { throw .invalid(field, "A password has at most 1,024 bytes.") }
    }
}
