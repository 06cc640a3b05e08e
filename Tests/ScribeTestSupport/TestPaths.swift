import Foundation

/// Where the package's own files are, found from this source file so tests work from any
/// working directory.
public enum TestPaths {
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public static var migrationsDirectory: String { packageRoot + "/schemas/migrations" }
    public static var schemasDirectory: String { packageRoot + "/schemas" }
    public static var fixturesDirectory: String { packageRoot + "/../shared/fixtures" }

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
