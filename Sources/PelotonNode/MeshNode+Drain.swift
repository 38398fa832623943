import PelotonCore
import PelotonMembership
import PelotonNodeCore
import ServiceLifecycle
import Synchronization

/// Draining: how a node stops without failing anyone's call. It marks itself draining in its
/// gossiped metadata (placement everywhere stops choosing it), lets that spread while it still
/// serves whatever arrives, waits for the calls and state operations it is running, hands the
/// state it holds to the keys' new owners, and only then leaves the mesh.
extension MeshNode {
    /// Asks the node to drain and stop, as SIGTERM does; returns at once.
    public nonisolated func requestDrain() {
        drainRequestInput.yield()
    }

    /// Returns on a graceful shutdown of the service group or on a drain request, whichever
    /// comes first; throws when the node is cancelled instead.
    nonisolated func waitForStopRequest() async throws {
        let requests = drainRequests
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await gracefulShutdown() }
            group.addTask {
                for await _ in requests { return }
            }
            _ = try await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }

    /// Drains this node (see the type's comment); returns when it may leave.
    func drain() async {
        guard !isDraining, !membership.isLeaving else { return }
        let started = Self.now()
        isDraining = true
        shutdown.advance(to: .draining)
        do {
            membership.updateMetadata(try membership.metadata.markedDraining())
            persistIncarnation()
        } catch {
            logger.error("draining: could not mark the metadata (\(error)); leaving without the announcement")
        }
        invalidateRings()
        placementsMayHaveChanged = true
        logger.info("draining: placement stops choosing this node; finishing \(inFlight.count) calls under way")
        // Routers learn by gossip: until they have, calls keep arriving and are served.
        try? await Task.sleep(for: configuration.drainAnnounceTime)
        await waitForWorkUnderWay(atMost: configuration.drainGracePeriod)
        // The ring no longer has this node: one exchange with each member that now owns some
        // of its keys ships them there (`DrainHandoff`).
        let (ring, replicas) = stateRing()
        let recipients = await stateReplica.handoffRecipients(in: AntiEntropyScope(ring: ring, replicas: replicas), alive: aliveMembers().map(\.id))
        for peer in recipients { await antiEntropyRound(with: peer) }
        logger.info("drained in \(Self.now() - started): state handed to \(recipients.count) members")
    }

    /// Waits until no call, route or state operation is under way here, for at most `limit`.
    func waitForWorkUnderWay(atMost limit: Duration) async {
        let ends = Self.now() + limit
        while inFlight.count > 0, Self.now() < ends {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if inFlight.count > 0 {
            logger.warning("\(inFlight.count) calls still running after \(limit); stopping anyway")
        }
    }
}

/// Work under way on a node: a count behind a lock, read by the drain.
final class InFlightWork: Sendable {
    private let running = Mutex(0)

    var count: Int { running.withLock { $0 } }

    func track<T: Sendable>(_ work: () async -> T) async -> T {
        running.withLock { $0 += 1 }
        defer { running.withLock { $0 -= 1 } }
        return await work()
    }
}
