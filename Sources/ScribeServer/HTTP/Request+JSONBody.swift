import Hummingbird
import ScribeContracts
import ScribeHTTP

extension Request {
    /// Decodes the JSON body with ``ScribeJSON``'s decoder, up to the context's size limit.
    ///
    /// Unlike `decode(as:context:)`, a decoding failure reaches ``ErrorMiddleware`` as the
    /// `DecodingError` itself, which names the offending field in the API's own words.
    func decodeJSON<Body: Decodable>(as type: Body.Type, context: some ScribeContext) async throws -> Body {
        try await context.requestDecoder.decode(type, from: self, context: context)
    }
}
