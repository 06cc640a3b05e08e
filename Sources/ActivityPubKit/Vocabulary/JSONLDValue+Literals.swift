/// Literals, so documents can be written as they read on the wire:
/// `["type": "Image", "url": .string(avatarURL)]`.
extension JSONLDValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONLDValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }

    public init(dictionaryLiteral elements: (String, JSONLDValue)...) {
        self = .object(Dictionary(elements) { _, later in later })
    }

    /// A list of IRIs, as `to`, `cc` and `items` hold them.
    public static func strings(_ values: [String]) -> JSONLDValue { .array(values.map(JSONLDValue.string)) }

    /// A string, or null when there is none; ``ASObject/encoded()`` leaves null properties out.
    public static func optional(_ value: String?) -> JSONLDValue { value.map(JSONLDValue.string) ?? .null }
}

extension ASObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONLDValue)...) {
        self.init(properties: Dictionary(elements) { _, later in later })
    }
}
