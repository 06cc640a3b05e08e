import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Remote servers on loopback, as many as a benchmark needs, in this process: each port serves
/// actor documents (for signature key fetches) and counts what is posted to its inboxes. Plain
/// SwiftNIO, so a thousand of them cost a thousand listening sockets and nothing more.
final class PeerFarm: Sendable {
    let ports: [Int]
    private let channels: [any Channel]
    private let received: NIOLockedValueBox<[String: Int]>
    private let total: NIOLockedValueBox<Int>

    /// Every inbox POST so far.
    var deliveries: Int { total.withLockedValue { $0 } }
    /// POSTs per `127.0.0.1:port/path`.
    var perInbox: [String: Int] { received.withLockedValue { $0 } }

    private init(ports: [Int], channels: [any Channel], received: NIOLockedValueBox<[String: Int]>, total: NIOLockedValueBox<Int>) {
        self.ports = ports
        self.channels = channels
        self.received = received
        self.total = total
    }

    /// Starts `count` servers on 127.0.0.1; `actor` makes the document of `/users/{name}` on a port.
    static func start(count: Int, actor: @escaping @Sendable (_ port: Int, _ name: String) -> Data) async throws -> PeerFarm {
        let received = NIOLockedValueBox<[String: Int]>([:])
        let total = NIOLockedValueBox(0)
        var channels: [any Channel] = []
        var ports: [Int] = []
        for _ in 0..<count {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    let port = channel.localAddress?.port ?? 0
                    return channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(
                            PeerHandler(port: port, actor: actor) { key in
                                received.withLockedValue { $0[key, default: 0] += 1 }
                                total.withLockedValue { $0 += 1 }
                            }
                        )
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            channels.append(channel)
            ports.append(channel.localAddress?.port ?? 0)
        }
        return PeerFarm(ports: ports, channels: channels, received: received, total: total)
    }

    func stop() async {
        for channel in channels { try? await channel.close() }
    }
}

/// One request, one answer: `GET /users/{name}` the actor, `POST` anything 202, else 404.
private final class PeerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let port: Int
    let actor: @Sendable (Int, String) -> Data
    let onPost: @Sendable (String) -> Void
    private var head: HTTPRequestHead?

    init(port: Int, actor: @escaping @Sendable (Int, String) -> Data, onPost: @escaping @Sendable (String) -> Void) {
        self.port = port
        self.actor = actor
        self.onPost = onPost
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            var status = HTTPResponseStatus.notFound
            var body = ByteBuffer()
            var headers = HTTPHeaders()
            if head.method == .POST {
                onPost("127.0.0.1:\(port)\(head.uri)")
                status = .accepted
            } else if head.method == .GET, head.uri.hasPrefix("/users/") {
                status = .ok
                body = ByteBuffer(bytes: actor(port, String(head.uri.dropFirst("/users/".count))))
                headers.add(name: "Content-Type", value: "application/activity+json")
            }
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
