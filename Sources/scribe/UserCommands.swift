import ArgumentParser
import Foundation
import ScribeContracts
import ScribeCore
import ScribeServer

/// `scribe user ...`: account administration from the shell, as Mastodon's `tootctl accounts`.
/// The commands apply exactly the rules the API applies.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create, list, lock and unlock accounts, and set their roles.",
        subcommands: [Create.self, List.self, SetRole.self, Lock.self, Unlock.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account. The password is read from standard input; the recovery phrase is printed once."
        )

        @Argument(help: "The username.") var username: String
        @Option(help: "The account's email address.") var email: String
        @Option(help: "User, Moderator or Administrator (default: Administrator for the first account, else User).")
        var role: String?
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let role = try role.map(parseRole)
            let (configuration, logger) = try settings.prepare()
            let password = try readPassword()
            let registration = Registration(username: username, email: email, password: password)
            let created = try await reportingFailure {
                try await ServerRuntime.withCore(configuration, logger: logger) { core in
                    if let role { try await core.accounts.create(registration, role: role) } else { try await core.accounts.register(registration) }
                }
            }
            print("Created \(created.session.account.username) (\(created.session.account.role.rawValue)).")
            print("Recovery phrase, shown this once: \(created.recoveryPhrase)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")

        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            let accounts = try await reportingFailure {
                try await ServerRuntime.withCore(configuration, logger: logger) { core in try await core.accounts.list() }
            }
            for account in accounts {
                print([account.username, account.email, account.role.rawValue, account.status.rawValue].joined(separator: "\t"))
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Set an account's role.")

        @Argument(help: "The username.") var username: String
        @Argument(help: "User, Moderator or Administrator.") var role: String
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let role = try parseRole(role)
            let (configuration, logger) = try settings.prepare()
            let account = try await reportingFailure {
                try await ServerRuntime.withCore(configuration, logger: logger) { core in
                    try await core.accounts.setRole(username: username, role: role)
                }
            }
            print("\(account.username) is now \(account.role.rawValue).")
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lock an account: it cannot log in, and its sessions end.")

        @Argument(help: "The username.") var username: String
        @OptionGroup var settings: SettingOptions

        func run() async throws { try await changeStatus(username, to: .locked, settings: settings) }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock an account.")

        @Argument(help: "The username.") var username: String
        @OptionGroup var settings: SettingOptions

        func run() async throws { try await changeStatus(username, to: .active, settings: settings) }
    }
}

private func changeStatus(_ username: String, to status: Account.Status, settings: SettingOptions) async throws {
    let (configuration, logger) = try settings.prepare()
    let account = try await reportingFailure {
        try await ServerRuntime.withCore(configuration, logger: logger) { core in
            try await core.accounts.setStatus(username: username, status: status)
        }
    }
    print("\(account.username) is now \(account.status.rawValue).")
}

private func parseRole(_ text: String) throws -> Account.Role {
    guard let role = Account.Role.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
        throw ValidationError("The role must be User, Moderator or Administrator.")
    }
    return role
}

/// The first line of standard input, without its line break.
func readPassword() throws -> String {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("Give the password on standard input, e.g.: echo 'long password' | scribe ...")
    }
    return line
}
