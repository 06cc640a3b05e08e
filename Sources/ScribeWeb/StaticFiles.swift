import Foundation
import Hummingbird
import NIOCore
import ScribeHTTP

/// `/static/…`: the style sheet and the one script (which only enhances: character counters),
/// read once from the target's resources and cached by browsers for a day.
public struct StaticFiles: Sendable {
    static let files: [String: (contentType: String, bytes: ByteBuffer)] = {
        var files: [String: (String, ByteBuffer)] = [:]
        guard let directory = Pages.resources?.appendingPathComponent("Static"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [:] }
        for name in names {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
            let type =
                name.hasSuffix(".css")
                ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
            files[name] = (type, ByteBuffer(bytes: data))
        }
        return files
    }()

    public init() {}

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("static/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), let file = Self.files[name] else {
                throw APIError(.notFound, code: "not_found", message: "No such file.")
            }
            return Response(
                status: .ok,
                headers: [.contentType: file.contentType, .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: file.bytes)
            )
        }
    }
}
