import Foundation
import PelotonState

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
    /// Client calls routed through the mesh while the faults happen (`CallTraffic`).
    public var calls: CallLoad?
    /// Writes to replicated state while the faults happen (`StateTraffic`).
    public var state: StateLoad?
    /// Events gossiped to every node while the faults happen (`EventTraffic`).
    public var events: EventLoad?
    /// One parallel job (`JobTraffic`).
    public var jobs: JobLoad?

    /// A steady stream of calls to one keyed service that every node offers. Calls enter at
    /// nodes that no fault names (a client whose node dies would simply try another one).
    public struct CallLoad: Codable, Sendable {
        public var perSecond: Double = 100
        public var fromSeconds: Double = 0
        public var untilSeconds: Double?
        public var replicas: Int = 3
        public var budgetMilliseconds: Double = 2_000
        public var attemptTimeoutMilliseconds: Double = 300
        /// A handler takes between these many milliseconds (uniformly).
        public var handlerMilliseconds: [Double] = [1, 20]
        /// How many calls may end in a (definite, timely) failure.
        public var maxFailedCalls: Int = 0
        /// Whether the service may run a call twice: only then is a call that an owner took
        /// and did not answer sent on to the next owner (as `ServiceDefinition.idempotent`).
        public var idempotent: Bool = true
        /// A client that hears `uncertain` retries the call once with the same request id,
        /// through a random entry node, this long after: an owner that ran it answers from its
        /// ledger instead of running it again. Nil: no retries.
        public var retryUncertainAfterMilliseconds: Double?
        public init() {}
    }

    public struct NetworkSettings: Codable, Sendable {
        public var latencyMilliseconds: Double = 1
        public var jitterMilliseconds: Double = 1
        public var loss: Double = 0
        public var duplicate: Double = 0
        public init() {}
    }

    public struct Fault: Codable, Sendable {
        public enum Action: String, Codable, Sendable {
            case crash, crashFraction, restart, leave, drain
            case partition, partitionHalves, heal
            case setLoss, flap, rollingRestart
            /// Freeze the nodes for `forSeconds` (as SIGSTOP): they take no message and run no
            /// timer, and whatever reached them meanwhile waits; then they resume (SIGCONT) and
            /// handle it all, late.
            case pause
            /// Every send from `nodes` to `peers` fails for `forSeconds` (as under a blackhole
            /// or prohibit route: the sender's kernel refuses it), while the rest flows.
            case failSends
            /// Crash the nodes for good and revoke their keys: replicated state then prunes
            /// their entries (the revocation is known everywhere at once here; the runtime
            /// gossips it in a second or two).
            case revoke
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
        /// `drain`, and `rollingRestart` with it: how long a node drains (marked draining in its
        /// metadata, still serving) before it leaves, as the runtime does on SIGTERM.
        public var drainSeconds: Double?
        /// `pause`: how long the nodes stay frozen; `failSends`: how long the sends fail.
        public var forSeconds: Double?
        /// `failSends`: the nodes the sends go to.
        public var peers: [Int]?
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
        if let calls { try calls.validate(scenario: self) }
        if let state { try state.validate(scenario: self) }
        if let events { try events.validate(scenario: self) }
        if let jobs { try jobs.validate(scenario: self) }
        for fault in faults {
            guard fault.atSeconds >= 0, fault.atSeconds <= durationSeconds else {
                throw ScenarioError("fault \(fault.action) at \(fault.atSeconds)s is outside the run")
            }
            let named = (fault.nodes ?? []) + (fault.groups ?? []).flatMap { $0 } + (fault.peers ?? [])
            if let bad = named.first(where: { !(0..<nodes).contains($0) }) {
                throw ScenarioError("fault \(fault.action) names node \(bad), but nodes are 0 to \(nodes - 1)")
            }
            switch fault.action {
            case .crash, .restart, .leave, .drain, .revoke:
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
            case .pause:
                guard fault.nodes?.isEmpty == false, (fault.forSeconds ?? 0) > 0 else { throw ScenarioError("pause needs \"nodes\" and \"forSeconds\" > 0") }
            case .failSends:
                guard fault.nodes?.isEmpty == false, fault.peers?.isEmpty == false, (fault.forSeconds ?? 0) > 0 else {
                    throw ScenarioError("failSends needs \"nodes\", \"peers\" and \"forSeconds\" > 0")
                }
            case .partitionHalves, .heal:
                break
            }
        }
    }
}

extension Scenario.CallLoad {
    func validate(scenario: Scenario) throws {
        guard perSecond > 0, perSecond <= 100_000 else { throw ScenarioError("calls.perSecond must be in (0, 100000]") }
        guard fromSeconds >= 0, (untilSeconds ?? scenario.durationSeconds) <= scenario.durationSeconds, fromSeconds < (untilSeconds ?? scenario.durationSeconds) else {
            throw ScenarioError("calls must start before they stop, within the run")
        }
        guard (1...16).contains(replicas) else { throw ScenarioError("calls.replicas must be 1 to 16") }
        guard budgetMilliseconds > 0, attemptTimeoutMilliseconds > 0 else { throw ScenarioError("calls budget and attempt timeout must be positive") }
        guard handlerMilliseconds.count == 2, handlerMilliseconds[0] >= 0, handlerMilliseconds[0] <= handlerMilliseconds[1] else {
            throw ScenarioError("calls.handlerMilliseconds must be [min, max] with 0 <= min <= max")
        }
        guard maxFailedCalls >= 0 else { throw ScenarioError("calls.maxFailedCalls must not be negative") }
        guard !Scenario.Fault.entryNodes(of: scenario).isEmpty else {
            throw ScenarioError("calls need at least one node that no fault other than a drain touches, to enter through")
        }
    }
}

extension Scenario.Fault {
    /// Whether this fault stops nodes only after draining them, as an operator's SIGTERM: a
    /// client then moves to another node first (the draining one's health says 503).
    var drainsFirst: Bool { action == .drain || (action == .rollingRestart && drainSeconds != nil) }

    /// The nodes calls may enter through: those that no fault stops without draining them.
    static func entryNodes(of scenario: Scenario) -> [Int] {
        let abrupt = scenario.faults.filter { !$0.drainsFirst }
        if abrupt.contains(where: { [.crashFraction, .partitionHalves, .rollingRestart].contains($0.action) }) { return [] }
        let touched = Set(abrupt.flatMap { ($0.nodes ?? []) + ($0.groups ?? []).flatMap { $0 } })
        return (0..<scenario.nodes).filter { !touched.contains($0) }
    }
}

public struct ScenarioError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
