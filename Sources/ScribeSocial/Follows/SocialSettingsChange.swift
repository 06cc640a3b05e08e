import Foundation
import ScribeContracts

/// A user's social settings (`social.account_settings`), changed as Mastodon changes a
/// profile's: each change goes out to the servers that follow the user as the actor's `Update`,
/// so they show the account as it is now.
extension Following {
    /// A change of settings: what is nil stays as it was.
    public struct SettingsChange: Sendable {
        /// Approve each follower by hand (a locked account).
        public var manuallyApprovesFollowers: Bool?
        /// May directories and suggestions list the account.
        public var discoverable: Bool?
        /// May its public posts be searched.
        public var indexable: Bool?
        /// Handles or actor URLs of the user's other accounts; an empty list removes them all.
        public var alsoKnownAs: [String]?

        public init(manuallyApprovesFollowers: Bool? = nil, discoverable: Bool? = nil, indexable: Bool? = nil, alsoKnownAs: [String]? = nil) {
            self.manuallyApprovesFollowers = manuallyApprovesFollowers
            self.discoverable = discoverable
            self.indexable = indexable
            self.alsoKnownAs = alsoKnownAs
        }
    }

    /// Applies `change` in one transaction (aliases are resolved first, with no connection held)
    /// and sends the actor's `Update`.
    public func changeSettings(_ change: SettingsChange, as userID: UUID) async throws(SocialError) -> LocalActors.AccountSettings {
        let profile = try await actors.profile(id: userID)
        let aliases = try await change.alsoKnownAs.asyncMap { handles throws(SocialError) in try await self.aliases(handles, of: profile) }
        try await transaction(on: pool, logger: logger) { connection in
            try await actors.setSettings(
                userID,
                locked: change.manuallyApprovesFollowers,
                discoverable: change.discoverable,
                indexable: change.indexable,
                on: connection
            )
            if let aliases { try await actors.setAliases(aliases, of: userID, on: connection) }
        }
        try await sendActorUpdate(profile)
        return try await actors.accountSettings(userID)
    }
}
