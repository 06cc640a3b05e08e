import Foundation
import ScribeContracts

/// An item's art as a card or an item page shows it: a thumbnail in the sizes the layout asks
/// for (`srcset`), or, for an item without art, a designed placeholder (its initial on one of
/// eight colours, chosen by its name so it stays the same); adult art is blurred until clicked,
/// unless the viewer chose to see it (``Pages/Frame/showAdult``).
struct CardArt: Sendable {
    /// The thumbnail at the layout's width, and it and the double for `srcset`.
    var src: String?
    var srcset: String?
    /// How wide the layout shows it, for the browser's pick from `srcset`.
    var sizes: String
    /// `lazy` in a grid (art below the fold waits until scrolled to), `eager` for an item's own.
    var loading: String
    var alt: String
    /// The placeholder's letter and colour class (`hue-0` … `hue-7`).
    var initial: String
    var hue: String
    var adult: Bool
    /// Unique on a page: the reveal checkbox's id.
    var revealID: String

    init(_ listing: Listing) {
        self.init(
            id: listing.id,
            name: listing.name,
            hasArt: listing.kind == "character" && listing.avatarURL != nil,
            version: listing.updatedAt,
            adult: listing.contentRating == "nsfw"
        )
    }

    /// Where the art is served: as everyone may see it (``ItemArt``), or to its owner from
    /// their library.
    enum Place { case shared, library }

    init(id: UUID, name: String, hasArt: Bool, version: Date, adult: Bool, width: Int = 160, place: Place = .shared) {
        if hasArt {
            let url = { (width: Int) in
                place == .shared
                    ? Self.url(character: id, version: version, width: width) : Self.libraryURL(character: id, version: version, width: width)
            }
            let small = url(width)
            let large = url(width * 2)
            src = small
            srcset = "\(small) \(width)w, \(large) \(width * 2)w"
        }
        sizes = width == 160 ? "(max-width: 40rem) 45vw, 10rem" : "(max-width: 40rem) 14rem, 18rem"
        loading = width == 160 ? "lazy" : "eager"
        alt = "Art of \(name)"
        initial = name.first.map { String($0).uppercased() } ?? "?"
        hue = "hue-\(Self.hue(of: name))"
        self.adult = adult
        revealID = "reveal-\(id.uuidString.lowercased())"
    }

    /// The art's address at `width` CSS pixels (one of `Thumbnail.widths`), served by
    /// ``ItemArt``; it names the item's version so that it changes whenever the art may have.
    static func url(character id: UUID, version: Date, width: Int) -> String {
        "/images/characters/\(id.uuidString.lowercased())/\(Int(version.timeIntervalSince1970))/w\(width)"
    }

    /// The same art for its owner, whoever else may see it (`LibraryPages.art`).
    static func libraryURL(character id: UUID, version: Date, width: Int) -> String {
        "/library/art/\(id.uuidString.lowercased())/\(Int(version.timeIntervalSince1970))/w\(width)"
    }

    /// A stable number from 0 to 7 for a name (FNV-1a), so its placeholder keeps its colour.
    static func hue(of name: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % 8)
    }
}
