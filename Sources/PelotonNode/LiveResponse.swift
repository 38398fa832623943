import NIOCore

/// The body of a response that stays open (server-sent events, state watches): frames as the
/// source yields them, and a heartbeat when it is quiet. The heartbeat is how a vanished client
/// is noticed (the write fails and the body ends, letting go of the subscription) and it keeps
/// proxies from closing an idle stream. The body ends when the source does, as it does when
/// the node stops, so an open stream never holds up a graceful shutdown.
enum LiveResponse {
    static let heartbeatInterval = Duration.seconds(15)

    static func body<Element: Sendable>(
        _ source: AsyncStream<Element>, heartbeat: ByteBuffer?, every interval: Duration = heartbeatInterval,
        frame: @escaping @Sendable (Element) async -> ByteBuffer
    ) -> AsyncStream<ByteBuffer> {
        let (frames, output) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(1_000))
        let producer = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await element in source { output.yield(await frame(element)) }
                }
                if let heartbeat {
                    group.addTask {
                        while (try? await Task.sleep(for: interval)) != nil { output.yield(heartbeat) }
                    }
                }
                // The source ending (or the client leaving, which cancels this task) ends both.
                _ = await group.next()
                group.cancelAll()
            }
            output.finish()
        }
        output.onTermination = { _ in producer.cancel() }
        return frames
    }
}
