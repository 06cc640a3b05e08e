import Foundation
import ScribeFuzzTargets

/// libFuzzer's driver with ``FuzzTarget``s as its inputs' consumer. `scripts/fuzz` builds this
/// with `-sanitize=fuzzer` (SCRIBE_FUZZ=1), which links libFuzzer in. The target is named by
/// `SCRIBE_FUZZ_TARGET`, one of ``FuzzTarget``'s raw values; the arguments are libFuzzer's.
@main
enum FuzzEntry {
    nonisolated(unsafe) static var target: FuzzTarget?

    static func main() {
        let name = ProcessInfo.processInfo.environment["SCRIBE_FUZZ_TARGET"] ?? ""
        guard let chosen = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(
                Data("SCRIBE_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8)
            )
            exit(2)
        }
        target = chosen
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, testOneInput))
    }
}

/// One input, as libFuzzer hands it over.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzEntry.target?.run(data)
    return 0
}

/// libFuzzer's entry for programs that have their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
