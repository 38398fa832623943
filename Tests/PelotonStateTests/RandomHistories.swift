import PelotonCore
import PelotonCrypto
@testable import PelotonState

/// Seeded random operation histories over a few replicas: writes at random replicas, whole
/// states and single deltas shipped between them in any order, with and without loss.
struct RandomHistory {
    static let replicas = (1...3).map { NodeID(high: UInt64($0), low: 0) }
    static let elements = ["a", "b", "c", "d"]

    var random: SeededRandom
    let kind: StateKind
    var states: [StateValue]
    var deltas: [StateValue] = []
    var clock: UInt64 = 1_000

    init(kind: StateKind, seed: UInt64) {
        self.kind = kind
        random = SeededRandom(seed: seed)
        states = Self.replicas.map { _ in StateValue.empty(kind) }
    }

    /// Runs `steps` random steps; returns the states and deltas seen, for the law checks.
    mutating func run(steps: Int) -> [StateValue] {
        for _ in 0..<steps {
            let replica = Int.random(in: 0..<states.count, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<6:
                clock += UInt64.random(in: 0...2, using: &random)
                let operation = randomOperation()
                // Every generated operation fits the kind, so apply never throws here.
                if let delta = try? states[replica].apply(operation, at: Self.replicas[replica], nowMilliseconds: clock) {
                    deltas.append(delta)
                }
            case 6..<8:
                let source = Int.random(in: 0..<states.count, using: &random)
                states[replica] = states[replica].merged(with: states[source])
            default:
                if let delta = deltas.randomElement(using: &random) { states[replica] = states[replica].merged(with: delta) }
            }
        }
        return states + deltas
    }

    mutating func randomElement() -> String { Self.elements.randomElement(using: &random) ?? "a" }

    mutating func randomOperation() -> StateOperation {
        let choice = Int.random(in: 0..<4, using: &random)
        switch kind {
        case .gcounter: return .increment(UInt64.random(in: 0...5, using: &random))
        case .counter: return .add(Int64.random(in: -5...5, using: &random))
        case .register, .mvregister: return .assign(randomElement())
        case .set:
            return choice < 2 ? .insert([randomElement()]) : choice == 2 ? .remove([randomElement()]) : .insert([randomElement(), randomElement()])
        case .flag: return choice < 2 ? .enable : .disable
        case .map:
            let name = ["x", "y"].randomElement(using: &random) ?? "x"
            switch Int.random(in: 0..<9, using: &random) {
            case 0: return .updateField(name, .add(Int64.random(in: -3...3, using: &random)))
            case 1: return .updateField(name, .assign(randomElement()))
            case 2: return .updateField(name, .insert(randomElement()))
            case 3: return .updateField(name, .remove(randomElement()))
            case 4: return .updateField(name, .enable)
            case 5: return .updateField(name, .disable)
            default:
                let kind = EmbeddedKind.allCases.randomElement(using: &random) ?? .counter
                return .removeField(MapField(name, kind))
            }
        }
    }
}
