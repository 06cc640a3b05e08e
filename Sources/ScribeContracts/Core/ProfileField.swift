import Foundation

/// One line of a profile's table (Mastodon's profile fields): a label and a value in plain
/// text, such as "Website" and "https://alice.example". A value that is a link is what others
/// may verify (`rel="me"`).
public struct ProfileField: Codable, Sendable, Equatable, Hashable {
    /// Mastodon's limits for a local account: four fields of at most 255 characters each.
    public static let maximumCount = 4
    public static let maximumLength = 255

    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
