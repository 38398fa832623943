import PelotonCore
import PelotonWire
import Testing
@testable import PelotonState

/// The laws that make replicas converge, checked for every kind over thousands of seeded
/// random histories: merge is commutative, associative and idempotent; merging every delta
/// gives the same state as merging every replica; and every state survives its wire form.
@Suite struct MergeLawTests {
    static let seedsPerKind: UInt64 = 400

    @Test(arguments: StateKind.allCases)
    func mergeIsCommutativeAssociativeAndIdempotent(kind: StateKind) throws {
        for seed in 1...Self.seedsPerKind {
            var history = RandomHistory(kind: kind, seed: seed &* 7919 &+ UInt64(kind.rawValue))
            let pool = history.run(steps: 24)
            Self.expectLaws(over: pool, triples: 6, seed: seed, "\(kind.name) seed \(seed)")
        }
    }

    /// Checks the join laws on `triples` random triples drawn from `pool`.
    static func expectLaws(over pool: [StateValue], triples: Int, seed: UInt64, _ label: String) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<triples {
            guard let a = pool.randomElement(using: &random), let b = pool.randomElement(using: &random),
                  let c = pool.randomElement(using: &random) else { continue }
            #expect(a.merged(with: b) == b.merged(with: a), "commutative, \(label)")
            #expect(a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)), "associative, \(label)")
            #expect(a.merged(with: a) == a, "idempotent, \(label)")
            #expect(a.merged(with: b).merged(with: b) == a.merged(with: b), "absorbs, \(label)")
            // The in-place merge (what stores use) is the same join, and knows whether it changed anything.
            var inPlace = a
            let changed = inPlace.merge(b)
            #expect(inPlace == a.merged(with: b), "in place, \(label)")
            #expect(changed == (a.merged(with: b) != a), "change flag, \(label)")
        }
    }

    @Test(arguments: StateKind.allCases)
    func deltasInAnyOrderConvergeToTheReplicas(kind: StateKind) throws {
        for seed in 1...Self.seedsPerKind {
            var history = RandomHistory(kind: kind, seed: seed &* 104_729 &+ UInt64(kind.rawValue))
            _ = history.run(steps: 30)
            let replicas = history.states.reduce(StateValue.empty(kind)) { $0.merged(with: $1) }
            var random = SeededRandom(seed: seed)
            let shuffled = history.deltas.shuffled(using: &random)
            // Deltas may arrive twice, as a retry or through anti-entropy.
            let repeated = shuffled + shuffled.prefix(3)
            let fromDeltas = repeated.reduce(StateValue.empty(kind)) { $0.merged(with: $1) }
            #expect(fromDeltas == replicas, "\(kind.name) seed \(seed)")
        }
    }

    @Test(arguments: StateKind.allCases)
    func everyStateSurvivesItsWireForm(kind: StateKind) throws {
        for seed in 1...(Self.seedsPerKind / 4) {
            var history = RandomHistory(kind: kind, seed: seed &+ 31 &* UInt64(kind.rawValue))
            for state in history.run(steps: 20) {
                #expect(try StateValue(wireBytes: state.wireBytes) == state)
            }
        }
    }
}
