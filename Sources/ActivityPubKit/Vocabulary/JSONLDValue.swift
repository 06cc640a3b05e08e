import Foundation

/// Any JSON value in an ActivityStreams document, kept exactly, so a document can be stored,
/// re-served or inspected with nothing lost, whatever extensions its server added.
///
/// `ScribeContracts.JSONValue` is the same shape on purpose, not by accident: ActivityPubKit
/// stands alone (it knows nothing of Scribe) and the contracts depend on nothing of ours, so
/// neither may borrow the other's.
public enum JSONLDValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONLDValue])
    case object([String: JSONLDValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONLDValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONLDValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A whole number, written as one or as a number with no fraction (some servers write
    /// `1024.0` for a width); nil for anything else, or beyond `Int`.
    public var int: Int? {
        switch self {
        case .integer(let value): Int(exactly: value)
        case .number(let value): Int(exactly: value)
        default: nil
        }
    }

    public var object: [String: JSONLDValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The value as a list: an array's items, nothing for null, else the value alone. JSON-LD
    /// lets a property hold one value or an array of them.
    public var list: [JSONLDValue] {
        switch self {
        case .array(let values): values
        case .null: []
        default: [self]
        }
    }
}
