/// A setting that cannot be used. Start-up stops on the first one, with one line naming it.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The environment variable (and, by the same name in lower-case kebab form, the flag).
    public var setting: String
    public var reason: String

    public init(_ setting: String, _ reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { "\(setting) is invalid: \(reason)" }
}
