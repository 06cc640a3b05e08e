import Foundation
import Hummingbird
import ScribeHTTP
import ScribeImages

/// What an art URL names (`…/{id}/{version}/w{width}`): the character and one of the widths
/// pages use. The version is only there to change the URL; whoever serves the art reads the
/// item's own.
enum ArtAddress {
    /// The character and width, or 404 for anything else (another width included, so that no
    /// one can make the server resize to any size).
    static func parse(_ parameters: Parameters) throws -> (id: UUID, width: Int) {
        guard let id = parameters.get("id").flatMap(UUID.init(uuidString:)), let size = parameters.get("size"), size.hasPrefix("w"),
            let width = Int(size.dropFirst()), Thumbnail.widths.contains(width)
        else { throw APIError(.notFound, code: "not_found", message: "No such image.") }
        return (id, width)
    }

    /// The version the URL names (0 if it names none): what the owner's own art is tagged with,
    /// since only its owner, who changes it, is served it.
    static func version(_ parameters: Parameters) -> Int { parameters.get("version").flatMap { Int($0) } ?? 0 }
}
