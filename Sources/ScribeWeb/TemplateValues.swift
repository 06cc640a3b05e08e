import Foundation
import Mustache

/// A page's values as the templates read them: every struct and class turned into a dictionary
/// of its stored properties, once per render.
///
/// swift-mustache reads a struct's property through `Mirror`, reflecting every property of the
/// struct for each name it looks up, and again at each level of the context stack while it
/// searches for a name an inner section does not have. That was more than half of the server's
/// time on an item page (`scripts/bench pages`, `perf`). A dictionary answers each name with one
/// hash lookup. The templates see exactly what they saw: a property that is nil is left out, which
/// the renderer treats as it treats nil (it looks further up the stack); arrays stay arrays, so
/// sections iterate them; values the renderer knows how to treat (text, numbers, lambdas, its own
/// protocols) are left as they are.
enum TemplateValues {
    static func prepared(_ value: Any) -> Any? {
        switch value {
        case is String, is Substring, is Bool, is Int, is Int64, is Double, is Date, is URL, is UUID, is Decimal: return value
        case is MustacheParent, is MustacheLambda, is MustacheCustomRepresentation, is MustacheCustomRenderable: return value
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first else { return nil }
            return prepared(wrapped.value)
        case .collection:
            // Text and numbers stay typed, so transforms that need their order (`sorted`) still apply.
            if value is [String] || value is [Int] { return value }
            return mirror.children.compactMap { prepared($0.value) }
        case .struct, .class:
            var fields: [String: Any] = [:]
            var level: Mirror? = mirror
            while let current = level {
                for child in current.children {
                    guard let label = child.label, fields[label] == nil, let field = prepared(child.value) else { continue }
                    fields[label] = field
                }
                level = current.superclassMirror
            }
            return fields
        default:
            // Enums, tuples, sets and dictionaries are read as before.
            return value
        }
    }
}
