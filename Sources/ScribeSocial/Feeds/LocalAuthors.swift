import Foundation
import ScribeContracts

/// Our own users as lists of accounts show them (feeds, notifications): their display names
/// and avatars are Core's, which no cached actor document holds.
///
/// Guarantees: each user is asked of Core once per list; a user Core cannot answer for keeps
/// the username and no avatar, so one missing profile never fails a page.
struct LocalAuthors {
    let actors: LocalActors
    private var profiles: [String: UserProfile?] = [:]

    init(actors: LocalActors) { self.actors = actors }

    /// The width of the avatar's thumbnail: a list shows avatars at 32 to 48 pixels.
    static var avatarWidth: Int { 96 }

    /// `author` with the display name and avatar of the local user it names; anyone else as is.
    mutating func complete(_ author: Feeds.Author?) async -> Feeds.Author? {
        guard var author, let username = author.localUsername else { return author }
        if profiles[username] == nil { profiles[username] = .some(try? await actors.profile(username: username)) }
        guard let found = profiles[username], let profile = found else { return author }
        if !profile.displayName.isEmpty { author.name = profile.displayName }
        // An absolute URL, as the JSON API gives every avatar; pages on this origin load it alike.
        author.avatar = profile.imagePath(.avatar, width: Self.avatarWidth).map { actors.urls.origin + $0 }
        return author
    }
}
