import PelotonCore
import PelotonMembership

/// A scheduled change to the world; scenario faults expand into these.
enum FaultAction {
    case crash([Int])
    case crashFraction(Double)
    case restart([Int])
    case leave([Int])
    case stop(Int)
    case partition(groups: [[Int]], oneWay: Bool)
    case heal
    case setLoss(Double)
    case isolate([Int], Bool)
}

extension Simulation {
    func scheduleFaults() {
        for fault in scenario.faults {
            let at = Int64(fault.atSeconds * 1e9)
            switch fault.action {
            case .crash: schedule(.action(.crash(fault.nodes ?? [])), at: at)
            case .crashFraction: schedule(.action(.crashFraction(fault.fraction ?? 0)), at: at)
            case .restart: schedule(.action(.restart(fault.nodes ?? [])), at: at)
            case .leave: schedule(.action(.leave(fault.nodes ?? [])), at: at)
            case .partition: schedule(.action(.partition(groups: fault.groups ?? [], oneWay: fault.oneWay ?? false)), at: at)
            case .partitionHalves:
                let half = nodes.count / 2
                schedule(.action(.partition(groups: [Array(0..<half), Array(half..<nodes.count)], oneWay: fault.oneWay ?? false)), at: at)
            case .heal: schedule(.action(.heal), at: at)
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
                    schedule(.action(.crash([index])), at: at + Int64(index) * interval)
                    schedule(.action(.restart([index])), at: at + Int64(index) * interval + down)
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
            for index in indices where !nodes[index].isRunning {
                start(index, isRestart: true)
            }
        case let .leave(indices):
            for index in indices where withMembership(index, { membership, local in membership.leave(at: local) }) {
                schedule(.action(.stop(index)), at: now + 2_000_000_000)
            }
        case let .stop(index):
            nodes[index].membership = nil
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
        case let .isolate(indices, isolated):
            for index in indices { nodes[index].isolated = isolated }
            metrics.faultHappened(at: now)
        }
    }

    private func crash(_ index: Int) {
        nodes[index].membership = nil
        nodes[index].wakeGeneration += 1
        nodes[index].scheduledWake = nil
        metrics.nodeStopped(index, at: now, crashed: true)
        trace.mix(0xC2A5_4000_0000_0000 | UInt64(index))
    }
}
