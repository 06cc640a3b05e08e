/// A setting that cannot be used. Start-up stops on the first one, with one line naming it.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting's environment variable (its flag, if it has one, is ``Setting/flag``).
    public var setting: String
    public var reason: String

    public init(_ setting: Setting, _ reason: String) {
        self.setting = setting.variable
        self.reason = reason
    }

    public var description: String { "\(setting) is invalid: \(reason)" }
}
