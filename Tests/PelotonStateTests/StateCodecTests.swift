import PelotonCore
import PelotonCrypto
import PelotonWire
import Testing
@testable import PelotonState

/// The state decoder reads bytes from peers and from disk: every cut, flip and random input is
/// refused with an error, never a trap, and what it accepts re-encodes to the same bytes.
@Suite struct StateCodecTests {
    /// States of every kind, and of every prunable kind also with a pruning marker started
    /// and one performed (with renamed dots).
    static func samples() -> [StateValue] {
        StateKind.allCases.flatMap { kind in
            var history = RandomHistory(kind: kind, seed: 99)
            let states = history.run(steps: 12).filter { !$0.wireBytes.isEmpty }
            let converged = PruningTests.converged(history.states)
            var started = converged
            let view = PruningView(
                me: PruningTests.primary, owners: [PruningTests.primary, PruningTests.secondary], removed: [PruningTests.removed],
                nowMilliseconds: 1_000, markerLifetimeMilliseconds: PruningTests.lifetime)
            _ = started.advancePruning(in: view)
            let performed = PruningTests.runProtocol([converged, converged], now: 1_000).0[0]
            return states + [started, performed].filter { !$0.pruning.isEmpty }
        }
    }

    @Test func everyTruncationIsRefused() {
        for sample in Self.samples() {
            let bytes = sample.wireBytes
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try StateValue(wireBytes: bytes.prefix(length)) }
            }
        }
    }

    @Test func mutatedAndRandomInputNeverTraps() {
        var random = SeededRandom(seed: 7)
        let samples = Self.samples()
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0, let sample = samples.randomElement(using: &random) {
                bytes = sample.wireBytes
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            } else {
                bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            if let decoded = try? StateValue(wireBytes: bytes) {
                // Accepted input is canonical: it re-encodes to exactly what was read.
                #expect(decoded.wireBytes == bytes)
            }
        }
    }

    @Test func aStoreWithDotsItsContextLacksIsRefused() {
        let planted = Dot(replica: NodeID(high: 9, low: 9), counter: 3)
        let set = ORSet(state: Causal(store: DotMap(["x": DotSet([planted])]), context: CausalContext()))
        #expect(throws: WireError.invalidValue(field: "set", reason: "holds a dot its context has not seen")) {
            try StateValue(wireBytes: StateValue.set(set).wireBytes)
        }
    }

    @Test func unknownKindsAreRefused() {
        #expect(throws: WireError.unknownTag(field: "state.kind", tag: 42)) { try StateValue(wireBytes: [42]) }
    }
}

extension StateCodecTests {
    @Test func aContextNotInCompactFormIsRefused() {
        var writer = WireWriter()
        writer.writeUInt8(StateKind.flag.rawValue)
        writer.writeDotSet(DotSet())
        // Version 3 for replica 1, and a cloud dot 4 that continues it.
        writer.writeCount(1)
        writer.writeNodeID(NodeID(high: 1, low: 0))
        writer.writeVarUInt(3)
        writer.writeCount(1)
        writer.writeDot(Dot(replica: NodeID(high: 1, low: 0), counter: 4))
        #expect(throws: WireError.invalidValue(field: "context", reason: "not in compact form")) {
            try StateValue(wireBytes: writer.bytes)
        }
    }
}
