import Hummingbird
import Logging
import ServiceLifecycle

/// An HTTP server on 127.0.0.1 and a free port, answering with `router` until stopped: a
/// stand-in for a collector or any other server a test or a bench talks to.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private let group: ServiceGroup
    private let runner: Task<Void, any Error>

    public init(_ router: Router<BasicRequestContext>, label: String) async throws {
        let logger = Logger(label: label)
        let (ports, portInput) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portInput.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        self.group = group
        runner = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await runner.result
    }
}
