import Foundation
import Testing

@testable import ScribeStorage

@Suite("Finding the PostgreSQL server programs")
struct PostgresBinariesTests {
    /// A folder holding fake, executable `initdb`, `pg_ctl` and `postgres` files.
    static func fakeInstallation(at directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for program in ["initdb", "pg_ctl", "postgres"] {
            _ = FileManager.default.createFile(
                atPath: "\(directory)/\(program)",
                contents: Data("#!/bin/sh\n".utf8),
                attributes: [.posixPermissions: 0o755]
            )
        }
    }

    @Test("when they are nowhere, the error says which package to install")
    func missingNamesThePackage() throws {
        let empty = NSTemporaryDirectory() + "scribe-no-postgres-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        do {
            _ = try PostgresBinaries.locate(preferringMajorVersion: nil, searchPath: empty, debianRoot: empty)
            Issue.record("found server programs in an empty folder")
        } catch {
            guard case .postgresNotInstalled = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.description.contains("apt-get install postgresql"))
        }
    }

    @Test("Debian's folder of an existing cluster's major version wins over PATH and newer versions")
    func prefersTheClusterVersion() throws {
        let root = NSTemporaryDirectory() + "scribe-pg-\(UUID().uuidString.prefix(8))"
        for version in ["15", "16"] { try Self.fakeInstallation(at: "\(root)/lib/\(version)/bin") }
        try Self.fakeInstallation(at: "\(root)/path-bin")
        let forCluster = try PostgresBinaries.locate(preferringMajorVersion: "15", searchPath: "\(root)/path-bin", debianRoot: "\(root)/lib")
        #expect(forCluster.directory == "\(root)/lib/15/bin")
        let fresh = try PostgresBinaries.locate(preferringMajorVersion: nil, searchPath: "/nonexistent", debianRoot: "\(root)/lib")
        #expect(fresh.directory == "\(root)/lib/16/bin")
    }
}
