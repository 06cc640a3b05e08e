import Foundation
import Hummingbird

/// Per-request state for every Scribe route. It fixes the JSON coding of the whole API to
/// ``ScribeJSON`` and caps request bodies at 1 MiB (the ActivityPub inbox limit; larger
/// uploads will get their own, explicitly bigger, routes).
public struct ScribeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { 1_048_576 }
    public var requestDecoder: JSONDecoder { ScribeJSON.decoder() }
    public var responseEncoder: JSONEncoder { ScribeJSON.encoder() }
}
