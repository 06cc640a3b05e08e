import Foundation
import ScribeFuzzTargets
import ScribeTestFixtures
import Testing

/// Every input of the fuzzers' saved corpus (`Fuzz/Corpus/<target>/`) and every input that once
/// crashed a parser (`Fuzz/Regressions/<target>/`), run through the same function libFuzzer
/// drives, in the normal build: a finding fixed once stays fixed. A trap here fails the whole
/// test run, which is the point.
@Suite("Inputs the fuzzers found are handled")
struct FuzzRegressionTests {
    static func inputs(of target: FuzzTarget) -> [String] {
        ["Corpus", "Regressions"].flatMap { folder -> [String] in
            let directory = TestPaths.packageRoot + "/Fuzz/\(folder)/\(target.rawValue)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().map { directory + "/" + $0 }
        }
    }

    @Test("each saved input runs through its target without a trap", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let files = Self.inputs(of: target)
        #expect(!files.isEmpty, "Fuzz/Corpus/\(target.rawValue) holds the seeds scripts/fuzz starts from")
        for file in files {
            target.run(try Data(contentsOf: URL(fileURLWithPath: file)))
        }
    }
}
