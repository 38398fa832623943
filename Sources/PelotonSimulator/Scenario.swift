import Foundation

/// A simulation described in a file under `Simulations/`: cluster size, network, a fault
/// schedule and the invariants to check. JSON, so it needs no parser beyond Foundation.
public struct Scenario: Codable, Sendable {
    public var description: String
    public var nodes: Int
    public var seed: UInt64
    public var durationSeconds: Double
    public var network: NetworkSettings = NetworkSettings()
    /// Node i starts i × this after node 0 (which starts alone); others join through node 0.
    public var joinStaggerMilliseconds: Double = 0
    /// Start from a formed mesh (every node knows every other) instead of joining through a seed.
    public var startJoined = false
    /// Each node's clock runs at 1 ± up to this fraction (0.01 = 1% drift).
    public var clockDrift: Double = 0
    public var faults: [Fault] = []
    public var invariants: Invariants = Invariants()

    public struct NetworkSettings: Codable, Sendable {
        public var latencyMilliseconds: Double = 1
        public var jitterMilliseconds: Double = 1
        public var loss: Double = 0
        public var duplicate: Double = 0
        public init() {}
    }

    public struct Fault: Codable, Sendable {
        public enum Action: String, Codable, Sendable {
            case crash, crashFraction, restart, leave
            case partition, partitionHalves, heal
            case setLoss, flap, rollingRestart
        }

        public var atSeconds: Double
        public var action: Action
        public var nodes: [Int]?
        public var fraction: Double?
        public var groups: [[Int]]?
        public var oneWay: Bool?
        public var loss: Double?
        public var periodSeconds: Double?
        public var untilSeconds: Double?
        public var intervalSeconds: Double?
        public var downSeconds: Double?
    }

    public struct Invariants: Codable, Sendable {
        /// At the end, every running node sees exactly the running nodes as alive or suspect.
        public var converges: Bool = true
        /// No running, reachable node is ever declared dead.
        public var noFalseDeaths: Bool = false
        /// Every crashed node is declared dead by every running node within this many seconds.
        public var crashDetectionBoundSeconds: Double?
        public init() {}
    }

    public static func load(from path: String) throws -> Scenario {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ScenarioError("cannot read scenario \(path): \(error.localizedDescription)")
        }
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: data)
        } catch {
            throw ScenarioError("scenario \(path) is not valid: \(error)")
        }
        try scenario.validate()
        return scenario
    }

    /// Refuses schedules that name nodes that do not exist or values out of range.
    public func validate() throws {
        guard (1...100_000).contains(nodes) else { throw ScenarioError("nodes must be 1 to 100000, got \(nodes)") }
        guard durationSeconds > 0, durationSeconds <= 86_400 else { throw ScenarioError("durationSeconds must be in (0, 86400]") }
        for probability in [network.loss, network.duplicate] where !(0...1).contains(probability) {
            throw ScenarioError("network loss and duplicate must be between 0 and 1")
        }
        guard (0..<0.5).contains(clockDrift) else { throw ScenarioError("clockDrift must be in [0, 0.5)") }
        for fault in faults {
            guard fault.atSeconds >= 0, fault.atSeconds <= durationSeconds else {
                throw ScenarioError("fault \(fault.action) at \(fault.atSeconds)s is outside the run")
            }
            let named = (fault.nodes ?? []) + (fault.groups ?? []).flatMap { $0 }
            if let bad = named.first(where: { !(0..<nodes).contains($0) }) {
                throw ScenarioError("fault \(fault.action) names node \(bad), but nodes are 0 to \(nodes - 1)")
            }
            switch fault.action {
            case .crash, .restart, .leave:
                guard fault.nodes?.isEmpty == false else { throw ScenarioError("\(fault.action) needs \"nodes\"") }
            case .crashFraction:
                guard let fraction = fault.fraction, (0...1).contains(fraction) else { throw ScenarioError("crashFraction needs \"fraction\" in [0, 1]") }
            case .partition:
                guard (fault.groups?.count ?? 0) >= 2 else { throw ScenarioError("partition needs at least two \"groups\"") }
            case .setLoss:
                guard let loss = fault.loss, (0...1).contains(loss) else { throw ScenarioError("setLoss needs \"loss\" in [0, 1]") }
            case .flap:
                guard fault.nodes?.isEmpty == false, (fault.periodSeconds ?? 0) > 0, fault.untilSeconds != nil else {
                    throw ScenarioError("flap needs \"nodes\", \"periodSeconds\" > 0 and \"untilSeconds\"")
                }
            case .rollingRestart:
                guard (fault.intervalSeconds ?? 0) > 0, (fault.downSeconds ?? -1) >= 0 else {
                    throw ScenarioError("rollingRestart needs \"intervalSeconds\" > 0 and \"downSeconds\" >= 0")
                }
            case .partitionHalves, .heal:
                break
            }
        }
    }
}

public struct ScenarioError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
