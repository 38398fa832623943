import PelotonCrypto
import PelotonPlacement
import PelotonState

extension Simulation {
    /// The writes' outcome and what broke the rules: an acknowledged write some owner lacks at
    /// the end, owners of a key that disagree, or a write that never ended.
    func stateReport() -> (StateReport, [String])? {
        guard let traffic = state else { return nil }
        var violations = Array(traffic.underAcknowledged.prefix(10))
        let running = nodes.indices.filter { nodes[$0].isRunning }
        let ring = HashRing(members: running.map { nodes[$0].id })
        var lost = 0
        var overcounted = 0
        var divergent = 0
        let writesByKey = Dictionary(grouping: traffic.writes.indices, by: { traffic.writes[$0].key })
        for (key, writes) in writesByKey.sorted(by: { $0.key < $1.key }) {
            let owners = ring.owners(of: key.placementKey, count: traffic.load.replicas).compactMap { indexByID[$0] }
            let states = owners.map { traffic.replicas[$0][key] }
            if Set(states.map { $0.map { StateStore.hash(of: $0) } }).count > 1 {
                divergent += 1
                violations.append("owners of \(key) disagree at the end")
            }
            if key.kind == .counter {
                // Each write adds one: a count below the acknowledged lost one, above the
                // acknowledged and uncertain together counted one twice.
                let acknowledged = writes.filter { traffic.writes[$0].acknowledged }.count
                let uncertain = writes.filter { traffic.writes[$0].uncertain }.count
                for (owner, state) in zip(owners, states) {
                    let count: Int64
                    if case let .counter(counter)? = state { count = counter.value } else { count = 0 }
                    if count < acknowledged {
                        lost += acknowledged - Int(count)
                        violations.append("\(key) counts \(count) on owner node \(owner), below its \(acknowledged) acknowledged increments")
                    } else if count > acknowledged + uncertain {
                        overcounted += 1
                        violations.append("\(key) counts \(count) on owner node \(owner), above its \(acknowledged) acknowledged and \(uncertain) uncertain increments")
                    }
                }
                continue
            }
            for write in writes where traffic.writes[write].acknowledged {
                for (owner, state) in zip(owners, states) {
                    guard case let .set(set)? = state, set.contains(traffic.writes[write].element) else {
                        lost += 1
                        violations.append("acknowledged \(traffic.writes[write].element) to \(key) is missing on owner node \(owner)")
                        continue
                    }
                }
            }
        }
        var naming = 0
        for index in running {
            for (key, value) in traffic.replicas[index].store.values.sorted(by: { $0.key < $1.key }) {
                guard let removed = value.replicas.intersection(revoked.keys).sorted().first else { continue }
                naming += 1
                violations.append("\(key) on node \(index) still holds entries of revoked node \(removed.short)")
            }
        }
        for (key, byReplica) in traffic.folds.sorted(by: { $0.key < $1.key }) {
            for (replica, count) in byReplica.sorted(by: { $0.key < $1.key }) where count > 1 {
                violations.append("\(key) had revoked node \(replica.short)'s entries folded \(count) times")
            }
        }
        for (number, write) in traffic.writes.enumerated() where write.applications > 1 {
            violations.append("write \(number) to \(write.key) was applied \(write.applications) times")
        }
        for (number, write) in traffic.writes.enumerated() where write.finishedAt == nil {
            violations.append("write \(number), issued at \(format(Double(write.issuedAt) / 1e9)) s, never ended")
        }
        let acknowledged = traffic.writes.filter(\.acknowledged).count
        let uncertain = traffic.writes.filter(\.uncertain).count
        // Agreement from the last fault (or the first write) on: when the owners last disagreed.
        let since = max(metrics.lastFaultAt, Int64(traffic.load.fromSeconds * 1e9))
        let agreedAfter = divergent > 0 ? nil : Double(max(0, (traffic.lastDisagreementAt ?? since) + StateTraffic.agreementCheckInterval - since)) / 1e9
        let report = StateReport(
            issued: traffic.writes.count, acknowledged: acknowledged, uncertain: uncertain, failed: traffic.writes.count - acknowledged - uncertain,
            appliedTwice: traffic.writes.filter { $0.applications > 1 }.count, overcountedCopies: overcounted, lostAcknowledged: lost, divergentKeys: divergent, keys: writesByKey.count, exchanges: traffic.exchanges,
            statesShipped: traffic.statesShipped, retried: traffic.retried, ownersAgreedSecondsAfterLastFault: agreedAfter,
            keysPruned: traffic.folds.values.reduce(0) { $0 + $1.values.reduce(0, +) }, keysNamingRevoked: revoked.isEmpty ? nil : naming)
        return (report, violations)
    }
}

/// How the state writes of a run went.
public struct StateReport: Sendable {
    public let issued: Int
    public let acknowledged: Int
    /// Ended `uncertain`: applied once or not at all.
    public let uncertain: Int
    /// Refused: applied nowhere.
    public let failed: Int
    /// Writes more than one owner applied (each counts twice in a counter).
    public let appliedTwice: Int
    /// Counter copies above their acknowledged and uncertain increments.
    public let overcountedCopies: Int
    /// Acknowledged writes missing from some owner at the end, counted per owner.
    public let lostAcknowledged: Int
    public let divergentKeys: Int
    public let keys: Int
    public let exchanges: Int
    public let statesShipped: Int
    /// Uncertain writes the client tried again with the same id.
    public let retried: Int
    /// How long after the last fault the owners of every key agreed for good (checked every
    /// 250 ms; writes still arriving count as disagreement until they have spread).
    public let ownersAgreedSecondsAfterLastFault: Double?
    /// Keys a revoked node's entries were folded out of, by their primary owners.
    public let keysPruned: Int
    /// With revoked nodes: copies on running nodes that still hold their entries at the end.
    public let keysNamingRevoked: Int?

    var summary: String {
        "state: \(issued) writes, \(acknowledged) acknowledged, \(uncertain) uncertain, \(failed) refused (\(retried) retried by the client); \(appliedTwice) applied twice; at the end \(lostAcknowledged) acknowledged writes missing, \(overcountedCopies) counter copies over, "
            + "\(divergentKeys) of \(keys) keys with owners that disagree; \(exchanges) anti-entropy exchanges shipped \(statesShipped) states; "
            + "owners agreed " + (ownersAgreedSecondsAfterLastFault.map { "\(format($0)) s after the last fault" } ?? "never")
            + (keysNamingRevoked.map { "; revoked nodes pruned from \(keysPruned) keys, \($0) copies still hold their entries" } ?? "")
    }
}
