#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import NIOCore
import Synchronization

/// The node's UDP socket, outside NIO.
///
/// NIO closes a datagram channel on any `sendto` error it does not know to be recoverable
/// (EINVAL, EACCES, ENETUNREACH: what a blackhole, prohibit or throw route gives), which
/// silently ended the node's gossip and then the node. Here a send is one non-blocking
/// `sendto`, and every error, sending or receiving, is an outcome to count, never a close.
/// Datagrams are read by one thread of the socket's own (`receive(into:)`), which blocks in
/// `poll` and hands each datagram to an async stream.
final class GossipSocket: Sendable {
    /// Immutable, and closed only in `deinit`: the receive thread holds the socket until it
    /// has stopped, so no call can use a closed descriptor.
    private let descriptor: CInt
    private let stopped = Atomic<Bool>(false)

    /// One datagram as read, or a receive error's name.
    enum Received: Sendable {
        case datagram(bytes: [UInt8], from: SocketAddress)
        case failed(reason: String)
    }

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

    /// Reads datagrams on a thread of its own until `stop`, yielding each to `sink` (which
    /// is finished when the thread ends). Datagrams longer than `maxBytes` are cut and so
    /// fail their signature check.
    func receive(into sink: AsyncStream<Received>.Continuation, maxBytes: Int = 65_536) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: maxBytes)
            var pollEntry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            while !stopped.load(ordering: .relaxed) {
                pollEntry.revents = 0
                // A short timeout, so a stop is seen within a quarter second.
                let ready = poll(&pollEntry, 1, 250)
                if ready < 0 {
                    if errno != EINTR { sink.yield(.failed(reason: Self.name(of: errno))) }
                    continue
                }
                guard ready > 0 else { continue }
                var storage = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &storage) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                            recvfrom(descriptor, bytes.baseAddress, bytes.count, CInt(MSG_DONTWAIT), address, &length)
                        }
                    }
                }
                if count < 0 {
                    if errno != EAGAIN && errno != EINTR { sink.yield(.failed(reason: Self.name(of: errno))) }
                    continue
                }
                guard let source = Self.socketAddress(storage) else {
                    sink.yield(.failed(reason: "unusable_source_address"))
                    continue
                }
                sink.yield(.datagram(bytes: Array(buffer[0..<count]), from: source))
            }
            sink.finish()
        }
        thread.name = "peloton-gossip-receive"
        thread.start()
    }

    /// The port the socket is bound to (the kernel's choice when bound to port 0).
    func localPort() -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        return Self.socketAddress(storage)?.port
    }

    /// Ends the receive thread (within a quarter second).
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private static func socketAddress(_ storage: sockaddr_storage) -> SocketAddress? {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                    var raw = address.pointee.sin_addr
                    guard inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil else { return nil }
                    return SocketAddress(address.pointee, host: String(cString: text))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    var raw = address.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return nil }
                    return SocketAddress(address.pointee, host: String(cString: text))
                }
            }
        default:
            return nil
        }
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
