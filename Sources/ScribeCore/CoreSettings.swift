/// Core's tunable policy. The defaults are production values; tests lower the KDF cost, which
/// is then recorded per user like any other parameters.
public struct CoreSettings: Sendable {
    /// KDF parameters for new passwords and recovery phrases; logins with weaker stored
    /// parameters are re-wrapped under these.
    public var passwordKDF: PasswordKDF
    /// A session unused for this long ends.
    public var sessionIdleTimeout: Duration
    /// A session ends this long after login, however busy.
    public var sessionLifetime: Duration
    /// Failed logins allowed per account, and per client address, within `loginFailureWindow`.
    public var loginFailuresPerAccount: Int
    public var loginFailuresPerAddress: Int
    public var loginFailureWindow: Duration

    public init(
        passwordKDF: PasswordKDF = .standard,
        sessionIdleTimeout: Duration = .seconds(14 * 24 * 3600),
        sessionLifetime: Duration = .seconds(90 * 24 * 3600),
        loginFailuresPerAccount: Int = 10,
        loginFailuresPerAddress: Int = 50,
        loginFailureWindow: Duration = .seconds(15 * 60)
    ) {
        self.passwordKDF = passwordKDF
        self.sessionIdleTimeout = sessionIdleTimeout
        self.sessionLifetime = sessionLifetime
        self.loginFailuresPerAccount = loginFailuresPerAccount
        self.loginFailuresPerAddress = loginFailuresPerAddress
        self.loginFailureWindow = loginFailureWindow
    }

    public static let standard = CoreSettings()
}

extension Duration {
    var wholeSeconds: Int { Int(components.seconds) }
}
