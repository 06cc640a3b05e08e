import Foundation

extension JSONLDValue {
    /// Why a document is not JSON: where, and what was expected there.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var offset: Int
        public var reason: String
        public var description: String { "not JSON at byte \(offset): \(reason)" }
    }

    /// Parses JSON (RFC 8259, strictly: UTF-8, no trailing commas, no comments, nothing after
    /// the value) straight into a value, at most 512 levels deep. Of a name given twice in one
    /// object, the last value counts, as in PostgreSQL's `jsonb`, where the inbox stores the
    /// document: what is processed is what is stored. `rejectingDuplicateNames` refuses such
    /// objects instead (the fuzzer compares only unambiguous documents with `JSONDecoder`).
    ///
    /// Every inbox request parses a document, and Mastodon's carry a large `@context`: through
    /// `Decodable`, which must try each JSON type in turn and builds an error for every miss,
    /// parsing was a fifth of the inbox's CPU (`scripts/bench`, profiled with perf). Fuzzed
    /// against `JSONDecoder` by `scripts/fuzz` (target `activity`).
    public static func parse(_ data: Data, rejectingDuplicateNames: Bool = false) throws(ParseError) -> JSONLDValue {
        var parser = JSONLDParser(bytes: [UInt8](data), rejectsDuplicateNames: rejectingDuplicateNames)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("nothing may follow the value") }
        return value
    }
}

private struct JSONLDParser {
    let bytes: [UInt8]
    let rejectsDuplicateNames: Bool
    var index = 0
    static let maximumDepth = 512

    func error(_ reason: String) -> JSONLDValue.ParseError { .init(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws(JSONLDValue.ParseError) -> JSONLDValue {
        guard depth < Self.maximumDepth else { throw error("nested too deeply") }
        guard index < bytes.count else { throw error("a value was expected") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONLDValue.ParseError) {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count,
            word.withUTF8Buffer({ expected in bytes[index..<index + length].elementsEqual(expected) })
        else { throw error("\(word) was expected") }
        index += length
    }

    mutating func object(depth: Int) throws(JSONLDValue.ParseError) -> JSONLDValue {
        index += 1
        var members: [String: JSONLDValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("a member name was expected") }
            let name = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("':' was expected") }
            index += 1
            skipWhitespace()
            let member = try value(depth: depth + 1)
            if rejectsDuplicateNames, members[name] != nil { throw error("the name \(name) is given twice") }
            members[name] = member
            skipWhitespace()
            guard index < bytes.count else { throw error("the object is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw error("',' or '}' was expected") }
            index += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONLDValue.ParseError) -> JSONLDValue {
        index += 1
        var elements: [JSONLDValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("the array is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw error("',' or ']' was expected") }
            index += 1
            return .array(elements)
        }
    }

    mutating func string() throws(JSONLDValue.ParseError) -> String {
        index += 1
        let start = index
        // The common case, no escapes: one validated copy of the bytes.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw error("a control character in a string") }
            index += 1
        }
        guard index < bytes.count else { throw error("the string is not closed") }
        var scalars = String.UnicodeScalarView()
        guard let plain = String(validating: bytes[start..<index], as: UTF8.self) else { throw error("the string is not UTF-8") }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return plain
        }
        scalars.append(contentsOf: plain.unicodeScalars)
        while true {
            guard index < bytes.count else { throw error("the string is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(scalars)
            }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count else { throw error("the string is not closed") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let unit = try hexUnit()
                    if (0xD800...0xDBFF).contains(unit) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a lone high surrogate")
                        }
                        index += 2
                        let low = try hexUnit()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate without its low one") }
                        scalars.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
                    } else {
                        guard let scalar = Unicode.Scalar(unit) else { throw error("a lone low surrogate") }
                        scalars.append(scalar)
                    }
                default: throw error("an unknown escape")
                }
                continue
            }
            let runStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw error("a control character in a string") }
                index += 1
            }
            guard let run = String(validating: bytes[runStart..<index], as: UTF8.self) else { throw error("the string is not UTF-8") }
            scalars.append(contentsOf: run.unicodeScalars)
        }
    }

    mutating func hexUnit() throws(JSONLDValue.ParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("four hex digits were expected") }
        var unit: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("four hex digits were expected")
            }
            unit = unit << 4 | UInt32(digit)
        }
        index += 4
        return unit
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: an integer when it has neither
    /// fraction nor exponent and fits 64 bits, a double otherwise.
    mutating func number() throws(JSONLDValue.ParseError) -> JSONLDValue {
        let start = index
        func digits(_ parser: inout JSONLDParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw error("a value was expected") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw error("a number cannot start with 0") }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits(&self) > 0 else { throw error("digits were expected after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("digits were expected in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { throw error("the number is out of range") }
        return .number(double)
    }
}
