extension StringProtocol where UTF8View: BidirectionalCollection {
    /// Without leading and trailing spaces and tabs: HTTP's optional whitespace (RFC 9110 §5.6.3)
    /// around header values and their parts. Done on the UTF-8 bytes, since Foundation's
    /// `trimmingCharacters(in:)` bridges through `NSString` and cost a tenth of a verification.
    var trimmingOptionalWhitespace: String {
        func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isWhitespace($0) }), let last = utf8.lastIndex(where: { !isWhitespace($0) }) else { return "" }
        return String(self[first...last])
    }
}
