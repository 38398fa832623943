import Synchronization

/// How far a node is into stopping, as its HTTP API sees it (read on every request, without
/// entering the node's actor).
///
/// While it drains, every answer says `Connection: close`, so a client's kept-alive connections
/// end cleanly, one response at a time, while the node still serves; a client then opens a new
/// connection, to this node until it stops listening, or to another. Once the node has left
/// the mesh, a request is refused with 503 and `Retry-After` (nothing of it ran), never cut
/// off: a client that retries elsewhere on a refusal sees no error.
enum ShutdownPhase: UInt8, AtomicRepresentable, Sendable {
    case running = 0
    case draining = 1
    case left = 2
}

/// One node's phase; only ever moves forward.
final class ShutdownState: Sendable {
    private let phase = Atomic<ShutdownPhase>(.running)

    var current: ShutdownPhase { phase.load(ordering: .relaxed) }

    func advance(to next: ShutdownPhase) {
        var seen = phase.load(ordering: .relaxed)
        while seen.rawValue < next.rawValue {
            let (exchanged, original) = phase.compareExchange(expected: seen, desired: next, ordering: .relaxed)
            if exchanged { return }
            seen = original
        }
    }
}
