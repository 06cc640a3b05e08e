import ArgumentParser
import Foundation
import ScribeContracts
import ScribeCore
import ScribeServer

/// `scribe import` and `scribe export`: move a user's characters and lorebooks in and out from
/// the shell. The user's password (on standard input) is what unlocks their data, so these run
/// as that user, through a session that ends when the command does.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import character cards (PNG or JSON) and lorebooks (World Info or lorebook_v3 JSON) into a user's library."
    )

    @Option(help: "The user whose library receives the files.") var user: String
    @Option(
        help:
            "Who sees what is imported: private, unlisted, followers or public. Characters take it as it is; lorebooks, which are private or public only, are published with public and stay private otherwise."
    ) var visibility: String = "private"
    @Argument(help: "The files to import.") var files: [String]
    @OptionGroup var settings: SettingOptions

    func run() async throws {
        guard let visibility = SharingVisibility(rawValue: visibility) else {
            throw ValidationError("The visibility must be private, unlisted, followers or public.")
        }
        let (configuration, logger) = try settings.prepare()
        let password = try readPassword()
        let files = try files.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("Cannot read \(path).") }
            return (path, data)
        }
        let lines = try await reportingFailure {
            try await ServerRuntime.withCore(configuration, logger: logger) { core in
                try await asUser(user, password: password, core: core) { session in
                    var lines: [String] = []
                    for (path, data) in files {
                        let name = (path as NSString).lastPathComponent
                        if Self.isLorebook(data) {
                            let stem = (name as NSString).deletingPathExtension
                            var lorebook = try await core.lorebooks.importFile(data, name: stem, for: session)
                            if visibility == .public { lorebook = try await core.lorebooks.setPublic(lorebook.id, true, for: session) }
                            lines.append(
                                "\(name): lorebook \(lorebook.book.name ?? stem) (\(lorebook.id.uuidString.lowercased()), \(lorebook.isPublic ? "public" : "private"))"
                            )
                        } else {
                            var character = try await core.characters.importFile(data, for: session)
                            if visibility != .private {
                                character = try await core.characters.setVisibility(character.id, to: visibility, for: session)
                            }
                            lines.append(
                                "\(name): character \(character.card.name) (\(character.id.uuidString.lowercased()), \(character.visibility.rawValue))"
                            )
                        }
                    }
                    return lines
                }
            }
        }
        for line in lines { print(line) }
    }

    /// A JSON file that is a lorebook rather than a card: World Info, lorebook_v3 or a bare book.
    static func isLorebook(_ data: Data) -> Bool {
        guard case .object(let root) = JSONValue.parse(data) else { return false }
        return root["spec"] == .string("lorebook_v3") || (root["spec"] == nil && root["entries"] != nil)
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a user's characters (as PNG cards) and lorebooks (as World Info JSON) into a directory."
    )

    @Option(help: "The user whose library is exported.") var user: String
    @Argument(help: "The directory to write into (created if missing).") var directory: String
    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let (configuration, logger) = try settings.prepare()
        let password = try readPassword()
        let files = try await reportingFailure {
            try await ServerRuntime.withCore(configuration, logger: logger) { core in
                try await asUser(user, password: password, core: core) { session in
                    var files: [ExportedFile] = []
                    for character in try await core.characters.list(for: session) {
                        var file = try await core.characters.export(character.id, as: .png, for: session)
                        file.fileName = "\(character.id.uuidString.lowercased().prefix(8))-\(file.fileName)"
                        files.append(file)
                    }
                    for lorebook in try await core.lorebooks.list(for: session) {
                        var file = try await core.lorebooks.export(lorebook.id, as: .worldInfo, for: session)
                        file.fileName = "\(lorebook.id.uuidString.lowercased().prefix(8))-\(file.fileName)"
                        files.append(file)
                    }
                    return files
                }
            }
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file.fileName)
            guard FileManager.default.createFile(atPath: path, contents: file.bytes, attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("Cannot write \(path).")
            }
            print(path)
        }
    }
}

/// Runs `body` in a session of `username`, logged in with `password`, and logs out afterwards.
private func asUser<Result: Sendable>(
    _ username: String,
    password: String,
    core: CoreModule,
    _ body: (AuthenticatedSession) async throws -> Result
) async throws -> Result {
    let grant = try await core.accounts.logIn(identifier: username, password: password, clientAddress: nil)
    let session = try await core.accounts.authenticate(token: grant.token.value)
    do {
        let result = try await body(session)
        try await core.accounts.logOut(session)
        return result
    } catch {
        try? await core.accounts.logOut(session)
        throw error
    }
}
