import Foundation

/// A migration file cut into the statements PostgreSQL will run one at a time.
///
/// PostgresNIO speaks only the extended query protocol, which takes one statement per message,
/// so a file must be split on its top-level semicolons. Semicolons inside string literals,
/// quoted identifiers, dollar-quoted bodies (`DO $$ ... $$`, function bodies) and comments do
/// not end a statement.
public enum SQLScript {
    public static func statements(in script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(script)
        var index = 0

        func flush() {
            let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty && !isOnlyComments(statement) { statements.append(statement) }
            current = ""
        }

        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "'", "\"":
                // Doubled quotes stay inside the literal: scan to a quote not followed by another.
                var end = index + 1
                while end < characters.count {
                    if characters[end] == character {
                        if end + 1 < characters.count && characters[end + 1] == character {
                            end += 2
                            continue
                        }
                        break
                    }
                    end += 1
                }
                current += String(characters[index...min(end, characters.count - 1)])
                index = end + 1
            case "-" where next == "-":
                var end = index
                while end < characters.count && characters[end] != "\n" { end += 1 }
                current += String(characters[index..<end])
                index = end
            case "/" where next == "*":
                var depth = 0
                var end = index
                repeat {
                    if end + 1 < characters.count && characters[end] == "/" && characters[end + 1] == "*" {
                        depth += 1
                        end += 2
                    } else if end + 1 < characters.count && characters[end] == "*" && characters[end + 1] == "/" {
                        depth -= 1
                        end += 2
                    } else {
                        end += 1
                    }
                } while depth > 0 && end < characters.count
                current += String(characters[index..<min(end, characters.count)])
                index = end
            case "$":
                if let tagEnd = dollarTagEnd(characters, from: index) {
                    let tag = String(characters[index...tagEnd])
                    let bodyStart = tagEnd + 1
                    let rest = String(characters[bodyStart...])
                    if let close = rest.range(of: tag) {
                        let length = rest.distance(from: rest.startIndex, to: close.upperBound)
                        current += tag + String(rest[..<close.upperBound])
                        index = bodyStart + length
                    } else {
                        current += String(characters[index...])
                        index = characters.count
                    }
                } else {
                    current.append(character)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// The index of the closing `$` of a dollar-quote tag (`$$` or `$name$`) starting at `start`,
    /// or nil when the `$` is something else (a parameter such as `$1`).
    private static func dollarTagEnd(_ characters: [Character], from start: Int) -> Int? {
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            if character == "$" { return index }
            let isTagCharacter = character == "_" || character.isLetter || (character.isNumber && index > start + 1)
            guard isTagCharacter else { return nil }
            index += 1
        }
        return nil
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
