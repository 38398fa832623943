#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// The node's UDP socket, bound here so that sending can bypass NIO's datagram channel.
///
/// NIO closes a datagram channel on any `sendto` error it does not know to be recoverable
/// (EINVAL, EACCES, ENETUNREACH: what a blackhole, prohibit or throw route gives), which
/// silently ended the node's gossip and then the node. Here a send is one non-blocking
/// `sendto` on a descriptor of our own, and every error is an outcome to count, never a close.
/// NIO reads the same socket through a duplicate descriptor (`receiveDescriptor`).
final class GossipSocket: Sendable {
    /// The descriptor sends use. Immutable, and closed only in `deinit`, when no send can run.
    private let descriptor: CInt

    /// What one send came to.
    enum SendOutcome: Equatable {
        case sent
        /// The kernel refused it; `reason` names the errno, for metrics and logs.
        case failed(reason: String)
    }

    /// A UDP socket bound to `address` (no SO_REUSEADDR: a second node must not share it).
    init(binding address: SocketAddress) throws {
        let family: CInt
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        case .unixDomainSocket: throw GossipSocketError("gossip needs an IP address, not \(address)")
        }
        let made = socket(family, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard made >= 0 else { throw GossipSocketError("socket(): \(Self.name(of: errno))") }
        let bound = address.withSockAddr { pointer, size in bind(made, pointer, socklen_t(size)) }
        guard bound == 0 else {
            let code = errno
            close(made)
            throw GossipSocketError("bind \(address): \(Self.name(of: code))")
        }
        descriptor = made
    }

    deinit {
        close(descriptor)
    }

    /// A second descriptor of the same socket, for NIO to read from (and close when it is done).
    func receiveDescriptor() throws -> CInt {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw GossipSocketError("dup: \(Self.name(of: errno))") }
        return copy
    }

    /// Sends one datagram without blocking. A full send buffer (EAGAIN) is a failure like any
    /// other: gossip is lossy by design, and the protocol retransmits what matters.
    func send(_ bytes: [UInt8], to address: SocketAddress) -> SendOutcome {
        let result = bytes.withUnsafeBytes { buffer in
            address.withSockAddr { pointer, size in
                sendto(descriptor, buffer.baseAddress, buffer.count, CInt(MSG_NOSIGNAL), pointer, socklen_t(size))
            }
        }
        if result >= 0 { return .sent }
        return .failed(reason: Self.name(of: errno))
    }

    /// A stable, short name for an errno, usable as a metric label.
    static func name(of code: CInt) -> String {
        switch code {
        case EINVAL: "EINVAL"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case ENETUNREACH: "ENETUNREACH"
        case EHOSTUNREACH: "EHOSTUNREACH"
        case ECONNREFUSED: "ECONNREFUSED"
        case EAGAIN: "EAGAIN"
        case ENOBUFS: "ENOBUFS"
        case ENOMEM: "ENOMEM"
        case EMSGSIZE: "EMSGSIZE"
        case EADDRINUSE: "EADDRINUSE"
        case EADDRNOTAVAIL: "EADDRNOTAVAIL"
        case ENETDOWN: "ENETDOWN"
        default: "errno_\(code)"
        }
    }
}

struct GossipSocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
