import Foundation
import PelotonCore
import PelotonCrypto
import PelotonProcessMesh
import PelotonSimulator
import PelotonState
import PelotonWire

/// `Tools/bench state`: (a) merges per second for each CRDT type, a delta into a grown state
/// and two grown states into each other; (b) bytes of one delta against the whole state, for
/// a 10,000-element OR-Set; (c) how long 16 simulated nodes take to agree after a partition
/// heals; (d) acknowledged writes per second through HTTP at quorum, 3 real nodes, with
/// SQLite's synchronous=FULL commits; (e) pruning revoked nodes: bytes kept per key before and
/// after, the cost of a fold and of a merge while its marker lives, and how long after a
/// revocation the simulated mesh holds no entry of it.
func runStateBench() async throws {
    try runMergeBench()
    runDeltaSizeBench()
    try runConvergenceBench()
    try runPruningBench()
    try await runStateWriteBench()
}

/// A grown state of `kind` at three replicas, and one more write's delta.
private func grownState(_ kind: StateKind, writes: Int) throws -> (state: StateValue, other: StateValue, delta: StateValue) {
    let replicas = (1...3).map { NodeID(high: UInt64($0), low: 0) }
    var states = replicas.map { _ in StateValue.empty(kind) }
    func operation(_ index: Int) -> StateOperation {
        switch kind {
        case .gcounter: .increment(1)
        case .counter: .add(index % 3 == 0 ? -1 : 2)
        case .register, .mvregister: .assign("value-\(index)")
        case .set: index % 4 == 3 ? .remove(["element-\(index - 1)"]) : .insert(["element-\(index)"])
        case .flag: index % 2 == 0 ? .enable : .disable
        case .map: .updateField("field-\(index % 50)", index % 2 == 0 ? .add(1) : .insert("element-\(index)"))
        }
    }
    for index in 0..<writes {
        _ = try states[index % 3].apply(operation(index), at: replicas[index % 3], nowMilliseconds: UInt64(index))
        if index % 10 == 9 { states[(index + 1) % 3] = states[(index + 1) % 3].merged(with: states[index % 3]) }
    }
    var state = states[0]
    let delta = try state.apply(operation(writes), at: replicas[0], nowMilliseconds: UInt64(writes))
    return (states[0], states[1], delta)
}

func runMergeBench() throws {
    print("state merges per second (release, one core; states grown by 1,000 writes over 3 replicas)")
    var rows: [(Measurement, unit: String, scale: Double)] = []
    for kind in StateKind.allCases {
        let (state, other, delta) = try grownState(kind, writes: 1_000)
        var sink = 0
        rows.append((measure("\(kind.name): delta into state", iterations: 2_000) {
            if case .gcounter = state.merged(with: delta) { sink &+= 1 }
        }, "merges/s", 1))
        rows.append((measure("\(kind.name): state into state", iterations: 200) {
            if case .gcounter = state.merged(with: other) { sink &+= 1 }
        }, "merges/s", 1))
        if sink == -1 { print(sink) }
    }
    // A write as an owner runs it: into the stored state, producing the delta.
    var store = StateStore()
    let tags = try StateKey(kind: .set, name: "tags")
    let writer = NodeID(high: 1, low: 0)
    for index in 0..<10_000 { _ = try store.apply(.insert(["user-\(index)"]), to: tags, at: writer, nowMilliseconds: 0) }
    var next = 10_000
    rows.append((try measure("set of 10,000: an owner's add", iterations: 2_000) {
        next += 1
        _ = try store.apply(.insert(["user-\(next)"]), to: tags, at: writer, nowMilliseconds: 0)
    }, "writes/s", 1))
    var replica = store
    rows.append((try measure("set of 10,000: a replica merges an add", iterations: 2_000) {
        next += 1
        let delta = try store.apply(.insert(["user-\(next)"]), to: tags, at: writer, nowMilliseconds: 0).delta
        _ = replica.merge(delta, into: tags)
    }, "writes/s", 1))
    report(rows)
}

private func runDeltaSizeBench() {
    var set = ORSet()
    let replicas = (1...3).map { NodeID(high: UInt64($0), low: 0) }
    for index in 0..<10_000 { set.add("user-\(index)", at: replicas[index % 3]) }
    let full = StateValue.set(set).wireBytes.count
    let addDelta = StateValue.set(set.add("one-more", at: replicas[0])).wireBytes.count
    let removeDelta = StateValue.set(set.remove("user-5000")).wireBytes.count
    print("a 10,000-element OR-Set: whole state \(full) bytes; one add's delta \(addDelta) bytes (\(format(Double(full) / Double(addDelta)))× smaller), one remove's \(removeDelta) bytes")
}

func runConvergenceBench() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var scenario = try Scenario.load(from: directory.appendingPathComponent("Simulations/state-partition-heal.json").path)
    // Writes only while the halves are apart, so the time to agree is the heal's alone.
    scenario.state?.untilSeconds = 30
    print("16 simulated nodes, halves apart 10–30 s with writes on both sides; owners of every key agree after the heal in:")
    for interval in [0.5, 1.0, 2.0] {
        var seconds: [Double] = []
        for seed in UInt64(1)...5 {
            scenario.seed = seed
            scenario.state?.antiEntropyIntervalSeconds = interval
            let report = Simulation(scenario: scenario).run()
            if let agreed = report.state?.ownersAgreedSecondsAfterLastFault { seconds.append(agreed) }
        }
        seconds.sort()
        print("  anti-entropy every \(format(interval)) s: median \(seconds.isEmpty ? "-" : format(seconds[seconds.count / 2])) s, max \(seconds.last.map(format) ?? "-") s over \(seconds.count) of 5 seeds")
    }
}

private func runStateWriteBench() async throws {
    let binary = ProcessMesh.binary(configuration: "release")
    let mesh = try ProcessMesh(binary: binary)
    try mesh.start("w0", logLevel: "warning")
    for index in 1..<3 { try mesh.start("w\(index)", seed: 0, logLevel: "warning") }
    defer { for index in mesh.nodes.indices { mesh.kill(index) } }
    guard await mesh.agreeOnOneRing(seconds: 30) else {
        print("  the mesh did not form\n\(mesh.logs())")
        return
    }
    let script = FileManager.default.temporaryDirectory.appendingPathComponent("peloton-state-wrk-\(getpid()).lua")
    try """
        counter = 0
        request = function()
            counter = counter + 1
            return wrk.format("POST", "/v1/state/counter/bench-" .. (counter % 1000) .. "/increment?level=LEVEL", nil, "")
        end
        """.write(to: script, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: script) }
    print("state writes over HTTP (wrk, 32 connections, 10 s, 3 release nodes on 127.0.0.1, 1,000 counters, synchronous=FULL)")
    print("    level    requests/s   p50 ms   p99 ms   errors")
    for level in ["one", "quorum", "all"] {
        let text = try String(contentsOf: script, encoding: .utf8)
        let levelled = FileManager.default.temporaryDirectory.appendingPathComponent("peloton-state-wrk-\(level)-\(getpid()).lua")
        try text.replacingOccurrences(of: "LEVEL", with: level).write(to: levelled, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: levelled) }
        _ = try wrk(url: mesh.nodes[0].url, script: levelled.path, connections: 4, seconds: 1)
        let result = try wrk(url: mesh.nodes[0].url, script: levelled.path, connections: 32, seconds: 10)
        print("    " + [level.padding(toLength: 7, withPad: " ", startingAt: 0), pad(format(result.requestsPerSecond), 11),
                       pad(format(result.p50Milliseconds), 7), pad(format(result.p99Milliseconds), 7), pad(result.errors, 7)].joined(separator: "  "))
    }
}

/// What pruning saves and costs: a counter and a set written by 3 live owners and by 40 nodes
/// since replaced (their keys revoked).
func runPruningBench() throws {
    let live = (1...3).map { NodeID(high: UInt64($0), low: 0) }
    let gone = (10..<50).map { NodeID(high: UInt64($0), low: 0) }
    var counter = StateValue.empty(.counter)
    var set = StateValue.empty(.set)
    for (index, writer) in (live + gone).enumerated() {
        _ = try counter.apply(.add(Int64(index + 1)), at: writer, nowMilliseconds: 0)
        _ = try set.apply(.insert(["element-\(index)"]), at: writer, nowMilliseconds: 0)
        _ = try set.apply(.remove(["element-\(index)"]), at: writer, nowMilliseconds: 0)
    }
    var big = StateValue.empty(.set)
    for index in 0..<10_000 { _ = try big.apply(.insert(["user-\(index)"]), at: gone[index % gone.count], nowMilliseconds: 0) }
    func pruned(_ value: StateValue) -> (StateValue, StateValue) {
        var copies = [value, value]
        for _ in 0..<4 {
            for index in copies.indices {
                let view = PruningView(me: live[index], owners: [live[0], live[1]], removed: Set(gone), nowMilliseconds: 1, markerLifetimeMilliseconds: 10)
                _ = copies[index].advancePruning(in: view)
            }
            copies[1].merge(copies[0])
            copies[0].merge(copies[1])
        }
        var expired = copies[0]
        let later = PruningView(me: live[0], owners: [live[0], live[1]], removed: Set(gone), nowMilliseconds: 100, markerLifetimeMilliseconds: 10)
        _ = expired.advancePruning(in: later)
        return (copies[0], expired)
    }
    print("pruning 40 revoked writers out of a key (3 live owners)")
    for (name, value) in [("counter", counter), ("set (each writer added and removed one element)", set), ("set of 10,000 elements added by the revoked", big)] {
        let (marked, expired) = pruned(value)
        print("  \(name): \(value.wireBytes.count) bytes before, \(marked.wireBytes.count) with markers, \(expired.wireBytes.count) once they expire; value kept: \(expired.json == value.json)")
    }
    let stale = big
    let (folded, _) = pruned(big)
    report([
        (measure("fold a 10,000-element set written by 40 revoked nodes", iterations: 20) { _ = pruned(stale) }, "folds/s", 1),
        (measure("merge a stale 10,000-element copy into the folded one", iterations: 50) { _ = folded.merged(with: stale) }, "merges/s", 1),
    ])
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let scenario = try Scenario.load(from: directory.appendingPathComponent("Simulations/state-prune-revoked.json").path)
    var keys: [Int] = []
    var left: [Int] = []
    var lost: [Int] = []
    for seed in UInt64(1)...5 {
        var seeded = scenario
        seeded.seed = seed
        let report = Simulation(scenario: seeded).run()
        keys.append(report.state?.keysPruned ?? 0)
        left.append(report.state?.keysNamingRevoked ?? -1)
        lost.append(report.state?.lostAcknowledged ?? -1)
    }
    print("Simulations/state-prune-revoked.json over seeds 1–5: keys folded \(keys), copies still naming a revoked node \(left), acknowledged writes lost \(lost)")
}
