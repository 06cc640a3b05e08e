/// A count with its noun, singular or plural as English wants it: "1 download", "2 downloads".
/// Templates print it with `{{.}}` or `{{text}}`.
struct Plural: Sendable, CustomStringConvertible {
    var count: Int
    var text: String

    init(_ count: Int, _ noun: String, plural: String? = nil) {
        self.count = count
        text = "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
    }

    var description: String { text }
}
