import PelotonCore
import PelotonMembership

/// A scheduled change to the world; scenario faults expand into these.
enum FaultAction {
    case crash([Int])
    case crashFraction(Double)
    case restart([Int])
    case leave([Int])
    case drain([Int])
    case stop(Int)
    case partition(groups: [[Int]], oneWay: Bool)
    case heal
    case setLoss(Double)
    case isolate([Int], Bool)
    case revoke([Int])
    case pause([Int])
    case resume([Int])
    case failSends(from: [Int], to: [Int], failing: Bool)
}

extension Simulation {
    func scheduleFaults() {
        for fault in scenario.faults {
            let at = Int64(fault.atSeconds * 1e9)
            switch fault.action {
            case .crash: schedule(.action(.crash(fault.nodes ?? [])), at: at)
            case .crashFraction: schedule(.action(.crashFraction(fault.fraction ?? 0)), at: at)
            case .restart: schedule(.action(.restart(fault.nodes ?? [])), at: at)
            case .revoke: schedule(.action(.revoke(fault.nodes ?? [])), at: at)
            case .leave: schedule(.action(.leave(fault.nodes ?? [])), at: at)
            case .drain:
                schedule(.action(.drain(fault.nodes ?? [])), at: at)
                schedule(.action(.leave(fault.nodes ?? [])), at: at + Int64((fault.drainSeconds ?? 1) * 1e9))
            case .partition: schedule(.action(.partition(groups: fault.groups ?? [], oneWay: fault.oneWay ?? false)), at: at)
            case .partitionHalves:
                let half = nodes.count / 2
                schedule(.action(.partition(groups: [Array(0..<half), Array(half..<nodes.count)], oneWay: fault.oneWay ?? false)), at: at)
            case .heal: schedule(.action(.heal), at: at)
            case .failSends:
                schedule(.action(.failSends(from: fault.nodes ?? [], to: fault.peers ?? [], failing: true)), at: at)
                schedule(.action(.failSends(from: fault.nodes ?? [], to: fault.peers ?? [], failing: false)), at: at + Int64((fault.forSeconds ?? 0) * 1e9))
            case .pause:
                schedule(.action(.pause(fault.nodes ?? [])), at: at)
                schedule(.action(.resume(fault.nodes ?? [])), at: at + Int64((fault.forSeconds ?? 0) * 1e9))
            case .setLoss: schedule(.action(.setLoss(fault.loss ?? 0)), at: at)
            case .flap:
                // Cut the nodes off for half of each period, reconnect them for the other half.
                let period = Int64((fault.periodSeconds ?? 1) * 1e9)
                let until = Int64((fault.untilSeconds ?? fault.atSeconds) * 1e9)
                var time = at
                while time < until {
                    schedule(.action(.isolate(fault.nodes ?? [], true)), at: time)
                    schedule(.action(.isolate(fault.nodes ?? [], false)), at: min(time + period / 2, until))
                    time += period
                }
            case .rollingRestart:
                let interval = Int64((fault.intervalSeconds ?? 10) * 1e9)
                let down = Int64((fault.downSeconds ?? 0) * 1e9)
                for index in nodes.indices {
                    let start = at + Int64(index) * interval
                    if let drainSeconds = fault.drainSeconds {
                        // As an operator's SIGTERM: drain, leave (stopped 2 s later), come back.
                        let drain = Int64(drainSeconds * 1e9)
                        schedule(.action(.drain([index])), at: start)
                        schedule(.action(.leave([index])), at: start + drain)
                        schedule(.action(.restart([index])), at: start + drain + Self.leaveGossip + down)
                    } else {
                        schedule(.action(.crash([index])), at: start)
                        schedule(.action(.restart([index])), at: start + down)
                    }
                }
            }
        }
    }

    func apply(_ action: FaultAction) {
        switch action {
        case let .crash(indices):
            for index in indices where nodes[index].isRunning { crash(index) }
        case let .crashFraction(fraction):
            var running = nodes.indices.filter { nodes[$0].isRunning }
            running.shuffle(using: &random)
            for index in running.prefix(Int((Double(running.count) * fraction).rounded())) { crash(index) }
        case let .restart(indices):
            for index in indices where !nodes[index].isRunning && revoked[nodes[index].id] == nil {
                start(index, isRestart: true)
            }
        case let .leave(indices):
            for index in indices where nodes[index].membership?.metadata.isDraining == true { handOffState(from: index) }
            for index in indices where withMembership(index, { membership, local in membership.leave(at: local) }) {
                schedule(.action(.stop(index)), at: now + Self.leaveGossip)
            }
        case let .drain(indices):
            // The same metadata change the runtime gossips: placement everywhere stops
            // choosing the node while it goes on serving what reaches it.
            for index in indices {
                withMembership(index) { membership, _ in
                    if let marked = try? membership.metadata.markedDraining() { membership.updateMetadata(marked) }
                    return []
                }
            }
            metrics.faultHappened(at: now)
        case let .stop(index):
            // As a crash, the timers go too: a wake left scheduled would keep a later restart
            // from ever being woken.
            halt(index)
            metrics.nodeStopped(index, at: now, crashed: false)
        case let .partition(groups, oneWay):
            for index in nodes.indices { nodes[index].group = 0 }
            for (number, group) in groups.enumerated() {
                for index in group { nodes[index].group = number }
            }
            oneWayPartition = oneWay
            metrics.faultHappened(at: now)
        case .heal:
            for index in nodes.indices {
                nodes[index].group = 0
                nodes[index].isolated = false
            }
            oneWayPartition = false
            metrics.faultHappened(at: now)
        case let .setLoss(probability):
            loss = probability
            metrics.faultHappened(at: now)
        case let .revoke(indices):
            for index in indices {
                if nodes[index].isRunning { crash(index) }
                revoked[nodes[index].id] = revoked[nodes[index].id] ?? now
                // As a runtime node that learns a revocation: the member is dead to it at once,
                // and claims by or about it are no longer believed.
                for observer in nodes.indices where nodes[observer].isRunning {
                    withMembership(observer) { membership, local in membership.revoke(nodes[index].id, at: local) }
                }
            }
        case let .isolate(indices, isolated):
            for index in indices { nodes[index].isolated = isolated }
            metrics.faultHappened(at: now)
        case let .failSends(senders, peers, failing):
            for sender in senders {
                for peer in peers where sender != peer {
                    if failing { failingSends.insert(Route(from: sender, to: peer)) } else { failingSends.remove(Route(from: sender, to: peer)) }
                }
            }
            metrics.faultHappened(at: now)
        case let .pause(indices):
            for index in indices where nodes[index].isRunning { nodes[index].paused = true }
            metrics.faultHappened(at: now)
        case let .resume(indices):
            // What waited is handled now, in the order it came, as a resumed process reads
            // its sockets and runs its overdue timers.
            for index in indices where nodes[index].paused {
                nodes[index].paused = false
                for kind in nodes[index].deferred { schedule(kind, at: now) }
                nodes[index].deferred = []
            }
            metrics.faultHappened(at: now)
        }
    }

    /// Takes node `index` down: its state machine and its pending wake.
    private func halt(_ index: Int) {
        nodes[index].membership = nil
        nodes[index].paused = false
        nodes[index].deferred = []
        nodes[index].wakeGeneration += 1
        nodes[index].scheduledWake = nil
        jobNodeWentDown(index)
        callNodeWentDown(index)
    }

    /// How long a leaving node gossips its departure before it stops.
    static let leaveGossip: Int64 = 2_000_000_000

    private func crash(_ index: Int) {
        halt(index)
        metrics.nodeStopped(index, at: now, crashed: true)
        trace.mix(0xC2A5_4000_0000_0000 | UInt64(index))
    }
}
