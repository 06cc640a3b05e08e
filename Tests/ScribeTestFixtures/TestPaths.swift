import Foundation

/// Where the package's own files are, found from this source file so tests work from any
/// working directory.
public enum TestPaths {
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public static var migrationsDirectory: String { packageRoot + "/schemas/migrations" }
    public static var schemasDirectory: String { packageRoot + "/schemas" }
    /// The real-world data the tests read (`Tests/Fixtures/README.md` names each file's source).
    public static var fixturesDirectory: String { packageRoot + "/Tests/Fixtures" }

    /// The `scribe` executable built next to the test binary (`swift build --build-tests`
    /// builds both).
    public static var scribeExecutable: String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("scribe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return packageRoot + "/.build/debug/scribe"
    }
}

/// The real-world files under `Tests/Fixtures`, copied unchanged from the projects that wrote them.
public enum Fixtures {
    public struct Missing: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "fixture \(path) is missing or empty (Tests/Fixtures/README.md lists every fixture)" }
    }

    /// The bytes of `relativePath` under the fixtures folder; throws a clear error if absent.
    public static func data(_ relativePath: String) throws -> Data {
        let path = TestPaths.fixturesDirectory + "/" + relativePath
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { throw Missing(path: path) }
        return data
    }

    /// Every `.json` document under `fediverse/`, as paths relative to that folder, sorted.
    public static var fediverseFiles: [String] {
        let root = TestPaths.fixturesDirectory + "/fediverse"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
    }

    public static var fediverse: URL { URL(fileURLWithPath: TestPaths.fixturesDirectory + "/fediverse") }
}
