import ActivityPubKit
import Foundation
import ScribeContracts

/// Signs as a local actor by asking Core, which keeps every private key to itself (docs/architecture.md §4):
/// only the signing string crosses the boundary.
struct CoreSigner: MessageSigner {
    let core: any CoreAPI
    let owner: ActorKeyOwner

    var kind: SignatureKeyKind { .rsa }

    func signature(for message: Data) async throws -> Data {
        try await core.signAsActor(owner, message: message)
    }
}
