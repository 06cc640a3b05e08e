import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// `/.well-known/webfinger`, `/.well-known/host-meta`, `/.well-known/nodeinfo` and the NodeInfo
/// documents. None needs a signature; all are public.
struct DiscoveryRoutes {
    let discovery: Discovery

    func add(to router: Router<ScribeRequestContext>) {
        router.get(".well-known/webfinger") { request, _ -> Response in
            guard let resource = request.uri.queryParameters.get("resource") else {
                throw APIError(.badRequest, code: "bad_request", message: "The resource parameter is required.", field: "resource")
            }
            return Self.json(try await discovery.servedWebFinger(resource: resource), contentType: WebFingerDocument.mediaType + "; charset=utf-8")
        }
        router.get(".well-known/host-meta") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: HostMeta.mediaType + "; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: discovery.hostMeta))
            )
        }
        router.get(".well-known/nodeinfo") { _, _ in
            Self.json(try ScribeJSON.encoder().encode(discovery.nodeInfoIndex), contentType: "application/json; charset=utf-8")
        }
        router.get("nodeinfo/:version") { _, context -> Response in
            let document = try await discovery.nodeInfo(version: context.parameters.get("version") ?? "")
            return Self.json(try ScribeJSON.encoder().encode(document), contentType: "application/json; charset=utf-8")
        }
    }

    static func json(_ data: Data, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
