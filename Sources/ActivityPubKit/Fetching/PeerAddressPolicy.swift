import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which remote addresses the server may talk to.
///
/// By default only `https` URLs whose host resolves to public addresses: a remote document names
/// URLs we then fetch, so without this any peer could make us probe our own network (the cloud
/// metadata address, the database, a router). ``allowingPrivatePeers`` lifts both rules for tests
/// and local development, where peers are `http://localhost:…`.
///
/// The check resolves the host and refuses if any address is not public. The connection then
/// resolves again, so a DNS server answering differently the second time (rebinding) is not
/// prevented here; a network-level egress rule is the complete defence.
public struct PeerAddressPolicy: Sendable, Hashable {
    public var allowsPrivateAddresses: Bool

    public init(allowsPrivateAddresses: Bool) {
        self.allowsPrivateAddresses = allowsPrivateAddresses
    }

    public static let publicOnly = PeerAddressPolicy(allowsPrivateAddresses: false)
    public static let allowingPrivatePeers = PeerAddressPolicy(allowsPrivateAddresses: true)

    /// Checks a URL before it is fetched or posted to.
    public func check(_ url: URL) async throws(FetchError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || (scheme == "http" && allowsPrivateAddresses),
            let host = url.host(percentEncoded: false), !host.isEmpty
        else {
            throw FetchError(.unsupportedURL, "\(url.scheme ?? "no scheme") URLs are not fetched\(allowsPrivateAddresses ? "" : " (https only)")")
        }
        guard url.user == nil, url.password == nil else { throw FetchError(.unsupportedURL, "URLs with credentials are not fetched") }
        if allowsPrivateAddresses { return }
        let addresses = try await Self.resolve(host)
        if let forbidden = addresses.first(where: { !$0.isPublic }) {
            throw FetchError(.forbiddenAddress, "\(host) resolves to \(forbidden), which is not a public address")
        }
    }

    static func resolve(_ host: String) async throws(FetchError) -> [PeerAddress] {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let address = PeerAddress(literal: literal) { return [address] }
        let result = try? await NIOThreadPool.singleton.runIfActive { PeerAddress.lookUp(literal) }
        guard let addresses = result, !addresses.isEmpty else { throw FetchError(.unresolvableHost, "\(host) does not resolve") }
        return addresses
    }
}

/// An IPv4 or IPv6 address, classified as public or not (RFC 6890's special-purpose registries).
struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    let bytes: [UInt8]

    init?(literal: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, literal, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Every address `host` resolves to (blocking: run it off the cooperative pool).
    static func lookUp(_ host: String) -> [PeerAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [PeerAddress] = []
        for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            switch Int32(socketAddress.pointee.sa_family) {
            case AF_INET:
                socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var raw = v4.pointee.sin_addr
                    addresses.append(PeerAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) }))
                }
            case AF_INET6:
                socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var raw = v6.pointee.sin6_addr
                    addresses.append(PeerAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) }))
                }
            default: continue
            }
        }
        return addresses
    }

    /// Whether the address is reachable on the public internet: not unspecified, loopback,
    /// private (RFC 1918, unique local), shared (CGNAT), link-local (cloud metadata lives there),
    /// multicast, reserved, benchmarking or documentation space. IPv4-mapped and NAT64 IPv6
    /// addresses are judged by the IPv4 address they carry.
    var isPublic: Bool {
        if bytes.count == 4 { return Self.isPublicV4(bytes) }
        let b = bytes
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Self.isPublicV4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return Self.isPublicV4(Array(b[12..<16])) }  // 64:ff9b::/96
        if b[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
        if b[0] & 0xFE == 0xFC { return false }  // fc00::/7 unique local
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }  // fe80::/10 link-local
        if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return false }  // fec0::/10 site-local (deprecated)
        if b[0] == 0xFF { return false }  // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false }  // 2001:db8::/32 documentation
        if b[0] == 0x01 && b[1..<8].allSatisfy({ $0 == 0 }) { return false }  // 100::/64 discard
        if b[0] == 0x20 && b[1] == 0x02 { return Self.isPublicV4(Array(b[2..<6])) }  // 6to4 carries an IPv4 address
        return true
    }

    static func isPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _): false  // this network, private, loopback
        case (100, 64...127, _): false  // shared address space (CGNAT)
        case (169, 254, _): false  // link-local, cloud metadata
        case (172, 16...31, _): false  // private
        case (192, 0, 0), (192, 0, 2), (192, 88, 99): false  // IETF protocol assignments, TEST-NET-1, 6to4 relay
        case (192, 168, _): false  // private
        case (198, 18...19, _): false  // benchmarking
        case (198, 51, 100), (203, 0, 113): false  // TEST-NET-2, TEST-NET-3
        case (224...255, _, _): false  // multicast, reserved, broadcast
        default: true
        }
    }

    var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}
