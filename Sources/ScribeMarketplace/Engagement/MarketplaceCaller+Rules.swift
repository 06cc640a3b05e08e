import Crypto
import Foundation
import ScribeContracts

extension MarketplaceCaller {
    /// Who a download is counted for: the user, or a hash of an anonymous client's address (never
    /// the address itself).
    var downloader: String {
        if let userID { return "user:\(userID.uuidString.lowercased())" }
        let digest = SHA256.hash(data: Data((clientAddress ?? "unknown").utf8))
        return "address:" + digest.map { String(format: "%02x", $0) }.joined()
    }

    func signedInUserID() throws(MarketplaceError) -> UUID {
        guard let userID else { throw MarketplaceError(.unauthenticated, "Log in to continue.") }
        return userID
    }
}
