import Foundation
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Module dependencies point one way (docs/architecture.md §2)")
struct PackageBoundaryTests {
    /// Our own targets each module may depend on, directly or through another of ours.
    static let allowed: [String: Set<String>] = [
        "ActivityPubKit": [],
        "ScribeContracts": [],
        "ScribeCoreClient": ["ScribeContracts"],
        "ScribeStorage": [],
        "ScribeCore": ["ScribeContracts", "ScribeStorage"],
        "ScribeMarketplace": ["ScribeContracts", "ScribeStorage"],
        "ScribeSocial": ["ActivityPubKit", "ScribeContracts", "ScribeStorage"],
        "ScribeMarketplaceClient": ["ScribeContracts", "ScribeCoreClient"],
        "ScribeHTTP": ["ScribeContracts", "ScribeImages"],
        "ScribeImages": [],
        // The pages reach Core and the marketplace only through their contracts.
        "ScribeWeb": ["ActivityPubKit", "ScribeContracts", "ScribeHTTP", "ScribeImages", "ScribeSocial", "ScribeStorage"],
        // Mastodon's client API is a front over Social, signing people in on a page of ours.
        "ScribeMastodonAPI": ["ActivityPubKit", "ScribeContracts", "ScribeHTTP", "ScribeImages", "ScribeSocial", "ScribeStorage", "ScribeWeb"],
    ]

    /// The package's targets and their dependencies, as SwiftPM itself reads `Package.swift`.
    static func targetDependencies() async throws -> [String: [String]] {
        let result = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "swift", "package", "--package-path", TestPaths.packageRoot, "--scratch-path", NSTemporaryDirectory() + "scribe-dump-package",
                "dump-package",
            ]
        )
        #expect(result.status == 0)
        let data = result.output
        let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var dependencies: [String: [String]] = [:]
        let targets = manifest["targets"] as? [[String: Any]] ?? []
        // System-library targets wrap C libraries of the machine (libxml2): like products, not modules of ours.
        let systemLibraries = Set(targets.filter { $0["type"] as? String == "system" }.compactMap { $0["name"] as? String })
        for target in targets {
            guard let name = target["name"] as? String, !systemLibraries.contains(name) else { continue }
            dependencies[name] = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                // {"byName": ["X", null]}, {"target": ["X", null]} or {"product": ["X", "package", ...]}
                guard let (kind, value) = dependency.first, kind != "product", let name = (value as? [Any])?.first as? String,
                    !systemLibraries.contains(name)
                else { return nil }
                return name
            }
        }
        return dependencies
    }

    static func closure(of target: String, in graph: [String: [String]]) -> Set<String> {
        var seen: Set<String> = []
        var pending = graph[target] ?? []
        while let next = pending.popLast() {
            guard graph[next] != nil, seen.insert(next).inserted else { continue }
            pending += graph[next] ?? []
        }
        return seen
    }

    @Test("Marketplace and Social never depend on Core, even indirectly")
    func marketplaceAndSocialAvoidCore() async throws {
        let graph = try await Self.targetDependencies()
        #expect(graph["ScribeMarketplace"] != nil && graph["ScribeSocial"] != nil)
        #expect(!Self.closure(of: "ScribeMarketplace", in: graph).contains("ScribeCore"))
        #expect(!Self.closure(of: "ScribeSocial", in: graph).contains("ScribeCore"))
    }

    @Test("the pages import neither Core nor the marketplace, in the manifest or in their sources")
    func pagesAvoidCoreAndMarketplace() async throws {
        let graph = try await Self.targetDependencies()
        let closure = Self.closure(of: "ScribeWeb", in: graph)
        #expect(graph["ScribeWeb"] != nil)
        #expect(closure.isDisjoint(with: ["ScribeCore", "ScribeMarketplace", "ScribeServer"]), "ScribeWeb depends on \(closure.sorted())")
        let imports = try Self.imports(in: "Sources/ScribeWeb")
        #expect(imports.count > 10)
        for (file, modules) in imports {
            #expect(modules.isDisjoint(with: ["ScribeCore", "ScribeMarketplace"]), "\(file) imports \(modules.sorted())")
        }
    }

    /// The modules each Swift file under `folder` (relative to the package) imports, by file.
    static func imports(in folder: String) throws -> [String: Set<String>] {
        let root = TestPaths.packageRoot + "/" + folder
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        var imports: [String: Set<String>] = [:]
        for file in files {
            let lines = try String(contentsOfFile: root + "/" + file, encoding: .utf8).split(separator: "\n")
            imports[file] = Set(
                lines.compactMap { line in
                    // `import X`, `@testable import X`, `@_spi(Y) import X`
                    guard let range = line.range(of: "import ") else { return nil }
                    let prefix = line[..<range.lowerBound]
                    guard prefix.isEmpty || prefix.hasPrefix("@") else { return nil }
                    return String(line[range.upperBound...].split(separator: " ").first ?? "")
                }
            )
        }
        return imports
    }

    @Test("a module's tests reach the server only through ScribeTestSupport: they never import ScribeServer")
    func moduleTestsAvoidTheCompositionRoot() async throws {
        let graph = try await Self.targetDependencies()
        for target in [
            "ActivityPubKitTests", "ScribeStorageTests", "ScribeCoreTests", "ScribeMarketplaceTests", "ScribeSocialTests", "ScribeUnitTests",
        ] {
            #expect(graph[target] != nil, "no test target \(target)")
            #expect(graph[target]?.contains("ScribeServer") == false, "\(target) depends on ScribeServer")
            let imports = try Self.imports(in: "Tests/" + target)
            #expect(!imports.isEmpty)
            for (file, modules) in imports {
                #expect(!modules.contains("ScribeServer"), "\(target)/\(file) imports ScribeServer")
            }
        }
    }

    @Test("every module depends only on the modules the design allows")
    func modulesFollowTheDesign() async throws {
        let graph = try await Self.targetDependencies()
        for (module, allowed) in Self.allowed {
            let actual = Self.closure(of: module, in: graph)
            #expect(actual.isSubset(of: allowed), "\(module) depends on \(actual.subtracting(allowed).sorted())")
        }
    }
}
