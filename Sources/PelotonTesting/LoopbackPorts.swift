import Foundation
import Synchronization

/// Ports on 127.0.0.1 free for both TCP and UDP (a node gossips and streams on one port).
public enum LoopbackPorts {
    /// A free port, taken below the kernel's ephemeral range (32768 up), where no client
    /// connection is given one, and never twice in this process: tests run meshes side by
    /// side, and a port released by one probe could otherwise go to two nodes, or to a
    /// connection, before a node binds it.
    public static func free() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: 20_000..<32_768)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if isFree(port) { return port }
        }
        throw LocalMeshError("no free port found on 127.0.0.1")
    }

    /// Whether `port` can be bound for both TCP and UDP now.
    public static func isFree(_ port: Int) -> Bool {
        canBind(port, type: Int32(SOCK_STREAM.rawValue)) && isFreeForDatagrams(port)
    }

    /// Whether a UDP socket can be bound to `port` now. (A TCP listener binds with
    /// SO_REUSEADDR, so its port's closed connections do not keep it from restarting.)
    public static func isFreeForDatagrams(_ port: Int) -> Bool {
        canBind(port, type: Int32(SOCK_DGRAM.rawValue))
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// Whether something accepts TCP connections on `port` now.
    public static func acceptsConnections(_ port: Int) -> Bool {
        probe(port, type: Int32(SOCK_STREAM.rawValue)) { connect($0, $1, $2) }
    }

    private static func canBind(_ port: Int, type: Int32) -> Bool {
        probe(port, type: type) { bind($0, $1, $2) }
    }

    /// Runs `operation` (bind or connect) on a fresh socket at 127.0.0.1:`port`; true when it
    /// succeeded.
    private static func probe(_ port: Int, type: Int32, _ operation: (CInt, UnsafePointer<sockaddr>, socklen_t) -> CInt) -> Bool {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { operation(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Why a test mesh could not do what a test asked.
public struct LocalMeshError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
