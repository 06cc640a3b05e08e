import Foundation

/// A shared item as a file to download: what the marketplace offers, written by Core (which
/// alone reads cards and writes PNG chunks).
public struct SharedFile: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable, CaseIterable {
        /// Character Card V3 JSON, or a lorebook as `lorebook_v3`.
        case json
        /// Character Card V2 JSON (characters only).
        case v2
        /// The avatar PNG with the card in its `ccv3` and `chara` chunks (characters only).
        case png
        /// SillyTavern World Info JSON (lorebooks only).
        case worldInfo = "world_info"
        /// The published avatar alone, as a PNG without the card (characters only).
        case avatar
    }

    public var bytes: Data
    public var contentType: String
    public var fileName: String

    public init(bytes: Data, contentType: String, fileName: String) {
        self.bytes = bytes
        self.contentType = contentType
        self.fileName = fileName
    }

    enum CodingKeys: String, CodingKey {
        case bytes
        case contentType = "content_type"
        case fileName = "file_name"
    }
}
