/// One option of a `<select>`: its value, what it says, and whether it is the one chosen.
public struct Choice: Sendable {
    public var value: String
    public var label: String
    public var selected: Bool

    /// Options from (value, label) pairs, `selected` marking the chosen value.
    public static func options(_ choices: [(String, String)], selected: String) -> [Choice] {
        choices.map { Choice(value: $0.0, label: $0.1, selected: $0.0 == selected) }
    }
}
