import Foundation

/// The media types an ActivityPub peer uses for activities and objects.
///
/// Mastodon sends `application/activity+json`; the specification's canonical form is
/// `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`. A server must accept
/// both on its inbox and answer either `Accept` with JSON-LD instead of HTML.
public enum ActivityPubMediaType {
    public static let activityJSON = "application/activity+json"
    public static let activityStreamsProfile = "https://www.w3.org/ns/activitystreams"
    public static let ldJSON = "application/ld+json; profile=\"\(activityStreamsProfile)\""

    /// Whether a `Content-Type` value names an ActivityPub document.
    ///
    /// Parameters other than `profile` (such as `charset`) are ignored, and the `ld+json` form
    /// counts only with the ActivityStreams profile, as the specification requires.
    public static func isActivityPub(contentType: String) -> Bool {
        let parts = contentType.split(separator: ";").map(\.trimmingOptionalWhitespace)
        guard let type = parts.first?.lowercased() else { return false }
        if type == activityJSON { return true }
        guard type == "application/ld+json" else { return false }
        return parts.dropFirst().contains { parameter in
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingOptionalWhitespace.lowercased() == "profile" else { return false }
            let profiles = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).split(separator: " ")
            return profiles.contains { $0 == activityStreamsProfile }
        }
    }

    /// Whether an `Accept` header asks for an ActivityPub document rather than a web page.
    public static func isRequested(byAccept accept: String) -> Bool {
        accept.split(separator: ",").contains { isActivityPub(contentType: String($0)) }
    }
}
