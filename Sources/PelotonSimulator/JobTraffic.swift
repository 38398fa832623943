import PelotonCore
import PelotonCrypto
import PelotonJobs
import PelotonMembership
import PelotonNodeCore
import PelotonPlacement
import PelotonServices

extension Scenario {
    /// One parallel job through the simulated mesh: `units` work units of a synthetic job
    /// (unit i's partial is a fixed function of i; the result is their sum, known in advance),
    /// submitted at `atSeconds` and coordinated by a node no fault touches, as the runtime's
    /// coordinator drives it: `JobRun` decides, each unit goes to its owners through
    /// `CallPlan`, and each node runs `cores` units at a time.
    public struct JobLoad: Codable, Sendable {
        public var atSeconds: Double = 1
        public var units: Int = 100
        public var unitMilliseconds: [Double] = [50, 150]
        public var cores: Int = 2
        public var replicas: Int = 3

        public init() {}

        func validate(scenario: Scenario) throws {
            guard (1...JobDefinition.maxUnits).contains(units) else { throw ScenarioError("jobs.units must be 1 to \(JobDefinition.maxUnits)") }
            guard atSeconds >= 0, atSeconds < scenario.durationSeconds else { throw ScenarioError("jobs.atSeconds must be within the run") }
            guard unitMilliseconds.count == 2, unitMilliseconds[0] >= 0, unitMilliseconds[0] <= unitMilliseconds[1] else {
                throw ScenarioError("jobs.unitMilliseconds must be [min, max] with 0 <= min <= max")
            }
            guard (1...64).contains(cores), (1...16).contains(replicas) else { throw ScenarioError("jobs.cores must be 1 to 64 and jobs.replicas 1 to 16") }
            guard !Scenario.Fault.entryNodes(of: scenario).isEmpty else {
                throw ScenarioError("a job needs a node that no fault other than a drain touches, to coordinate it")
            }
        }
    }
}

struct JobTraffic {
    enum Event {
        case submit
        case arrive(unit: Int, dispatch: Int, owner: Int)
        case unitDone(owner: Int, life: Int, unit: Int, dispatch: Int)
        /// What came of the attempt at `owner` reaches the coordinator.
        case answer(unit: Int, dispatch: Int, owner: Int, RoutedCall.Answer)
        /// No owner took the unit: tell the run, after the runtime's pause.
        case unreachable(unit: Int, UnitDispatch.Outcome)
    }

    struct Executor {
        var life = 0
        var queue: [(unit: Int, dispatch: Int)] = []
        var running: [(unit: Int, dispatch: Int)] = []
    }

    let load: Scenario.JobLoad
    let coordinator: Int
    var run: JobRun?
    /// Each unit's current dispatch: its number (older answers are stale) and its routing.
    var dispatches: [Int: (number: Int, routed: RoutedCall)] = [:]
    var nextDispatch = 0
    var executors: [Executor]
    var unitRuns = 0
    /// Units cut off by their node going down (sent again to another owner).
    var unitsCut = 0
    var submittedAt: Int64 = 0
    var finishedAt: Int64?

    init(load: Scenario.JobLoad, scenario: Scenario) {
        self.load = load
        coordinator = Scenario.Fault.entryNodes(of: scenario).first ?? 0
        executors = Array(repeating: Executor(), count: scenario.nodes)
    }

    /// Unit `index`'s partial result: a fixed function of the index, so the right result is known.
    static func partial(of index: Int) -> UInt64 { (UInt64(index) &* 2_654_435_761) % 1_000_003 }

    /// The id of a unit's dispatch, as the runtime draws one per routed unit call.
    static func requestID(unit: Int, dispatch: Int) -> RequestID { RequestID(high: UInt64(unit), low: UInt64(dispatch)) }

    static func expected(units: Int) -> UInt64 { (0..<units).reduce(0) { $0 &+ partial(of: $1) } }
}

extension Simulation {
    func scheduleJobs() {
        guard let load = scenario.jobs else { return }
        jobTraffic = JobTraffic(load: load, scenario: scenario)
        schedule(.jobs(.submit), at: Int64(load.atSeconds * 1e9))
    }

    func handle(_ event: JobTraffic.Event) {
        guard var traffic = jobTraffic.take() else { return }
        defer { jobTraffic = traffic }
        switch event {
        case .submit:
            traffic.submittedAt = now
            let record = JobRecord(id: "simulated", name: "sum", priority: 0, input: "{}", maxAttempts: 3, units: traffic.load.units, submittedAtMilliseconds: 0)
            var run = JobRun(record: record, partials: [:], maxInFlight: 2 * nodes.count * traffic.load.cores)
            let effects = run.start()
            traffic.run = run
            perform(effects, &traffic)
        case let .arrive(unit, dispatch, owner):
            guard nodes[owner].isRunning else {
                schedule(.jobs(.answer(unit: unit, dispatch: dispatch, owner: owner, .notSent("connection refused"))), at: now + callLatency(from: owner, to: traffic.coordinator))
                return
            }
            if traffic.executors[owner].life != nodes[owner].life { traffic.executors[owner] = JobTraffic.Executor(life: nodes[owner].life) }
            traffic.executors[owner].queue.append((unit, dispatch))
            startUnits(on: owner, &traffic)
        case let .unitDone(owner, life, unit, dispatch):
            guard nodes[owner].isRunning, nodes[owner].life == life, traffic.executors[owner].life == life,
                  let slot = traffic.executors[owner].running.firstIndex(where: { $0 == (unit, dispatch) })
            else { return }
            traffic.executors[owner].running.remove(at: slot)
            traffic.unitRuns += 1
            let partial = Array(String(JobTraffic.partial(of: unit)).utf8)
            let reply = CallReply(id: JobTraffic.requestID(unit: unit, dispatch: dispatch), outcome: .success(RenderedReply(contentType: "application/json", body: partial)))
            schedule(.jobs(.answer(unit: unit, dispatch: dispatch, owner: owner, .replied(reply))), at: now + callLatency(from: owner, to: traffic.coordinator))
            startUnits(on: owner, &traffic)
        case let .answer(unit, dispatch, owner, answer):
            guard var current = traffic.dispatches[unit], current.number == dispatch,
                  let step = current.routed.receive(answer, from: nodes[owner].id, at: Instant(nanoseconds: now))
            else { return }
            traffic.dispatches[unit] = current
            take(step, unit: unit, &traffic)
        case let .unreachable(unit, outcome):
            report(outcome, of: unit, &traffic)
        }
    }

    /// A node went down: the coordinator hears its units' streams break, one trip later.
    func jobNodeWentDown(_ index: Int) {
        guard var traffic = jobTraffic.take() else { return }
        defer { jobTraffic = traffic }
        for (unit, dispatch) in traffic.executors[index].queue + traffic.executors[index].running {
            traffic.unitsCut += 1
            schedule(
                .jobs(.answer(unit: unit, dispatch: dispatch, owner: index, .noAnswer("connection reset"))), at: now + callLatency(from: index, to: traffic.coordinator))
        }
        traffic.executors[index] = JobTraffic.Executor(life: -1)
    }

    private func perform(_ effects: [JobRun.Effect], _ traffic: inout JobTraffic) {
        for effect in effects {
            switch effect {
            case let .dispatch(unit):
                guard let view = nodes[traffic.coordinator].membership else { continue }
                let ring = ServicePlacement.ring(
                    localID: nodes[traffic.coordinator].id, localReplicas: traffic.load.replicas, members: view.members,
                    virtualNodes: HashRing.defaultVirtualNodes, replicasOffered: { _ in traffic.load.replicas }).ring
                let owners = ring.owners(of: PlacementKey(service: "peloton.jobs", key: "simulated/\(unit)"), count: traffic.load.replicas)
                traffic.nextDispatch += 1
                var routed = UnitDispatch.routed(JobTraffic.requestID(unit: unit, dispatch: traffic.nextDispatch), owners: owners, at: Instant(nanoseconds: now))
                let step = routed.start(at: Instant(nanoseconds: now))
                traffic.dispatches[unit] = (traffic.nextDispatch, routed)
                take(step, unit: unit, &traffic)
            case let .combine(parts):
                let sum = parts.reduce(UInt64(0)) { $0 &+ (UInt64(String(decoding: $1, as: UTF8.self)) ?? 0) }
                guard var run = traffic.run.take() else { continue }
                let more = run.combined(.success(String(sum)), atMilliseconds: UInt64(now / 1_000_000))
                traffic.run = run
                traffic.finishedAt = now
                perform(more, &traffic)
            case .save, .savePartial, .cancelUnits:
                // Records live in replicated state in the runtime; here the coordinator never
                // fails, so nothing reads them back.
                break
            }
        }
    }

    /// Carries out the coordinator's next step for a unit: send it to an owner, or tell the run
    /// how it ended (after the runtime's pause when no owner took it).
    private func take(_ step: RoutedCall.Step, unit: Int, _ traffic: inout JobTraffic) {
        guard let current = traffic.dispatches[unit] else { return }
        switch step {
        case let .finished(finish):
            traffic.dispatches[unit] = nil
            let outcome = UnitDispatch.outcome(of: finish.reply)
            if case .failed(_, byHandler: false) = outcome {
                schedule(.jobs(.unreachable(unit: unit, outcome)), at: now + JobRun.unreachableUnitPause.nanosecondsClamped)
            } else {
                report(outcome, of: unit, &traffic)
            }
        case let .attempt(owner, _):
            guard let index = indexByID[owner] else { return }
            schedule(.jobs(.arrive(unit: unit, dispatch: current.number, owner: index)), at: now + callLatency(from: traffic.coordinator, to: index))
        }
    }

    private func report(_ outcome: UnitDispatch.Outcome, of unit: Int, _ traffic: inout JobTraffic) {
        guard var run = traffic.run.take() else { return }
        let effects = UnitDispatch.report(outcome, of: unit, to: &run, atMilliseconds: UInt64(now / 1_000_000))
        traffic.run = run
        perform(effects, &traffic)
    }

    private func startUnits(on owner: Int, _ traffic: inout JobTraffic) {
        while traffic.executors[owner].running.count < traffic.load.cores, !traffic.executors[owner].queue.isEmpty {
            let next = traffic.executors[owner].queue.removeFirst()
            traffic.executors[owner].running.append(next)
            let range = traffic.load.unitMilliseconds
            let took = range[0] + (range[1] - range[0]) * random.unit()
            schedule(.jobs(.unitDone(owner: owner, life: nodes[owner].life, unit: next.unit, dispatch: next.dispatch)), at: now + Int64(took * 1e6))
        }
    }

    /// How the job went, and what broke the rules: not done by the end, or a wrong result.
    func jobReport() -> (JobReport, [String])? {
        guard let traffic = jobTraffic else { return nil }
        let record = traffic.run?.record
        let expected = JobTraffic.expected(units: traffic.load.units)
        var violations: [String] = []
        if record?.status != .done { violations.append("the job did not finish: \(record?.status.rawValue ?? "never started")") }
        if let result = record?.result, result != String(expected) { violations.append("the job's result is \(result), not \(expected)") }
        let seconds = traffic.finishedAt.map { Double($0 - traffic.submittedAt) / 1e9 }
        return (JobReport(units: traffic.load.units, status: record?.status.rawValue ?? "none", correct: record?.result == String(expected),
                          unitRuns: traffic.unitRuns, unitsCut: traffic.unitsCut, seconds: seconds), violations)
    }
}

/// How the job of a run went.
public struct JobReport: Sendable {
    public let units: Int
    public let status: String
    public let correct: Bool
    /// Unit runs that finished, on any node: more than `units` where a death made units run again.
    public let unitRuns: Int
    public let unitsCut: Int
    public let seconds: Double?

    var summary: String {
        "job: \(units) units, \(status)\(correct ? " with the right result" : ""), \(unitsCut) units cut off by a node going down and sent to the next owner, \(unitRuns) unit runs finished"
            + (seconds.map { ", done \(format($0)) s after submission" } ?? "")
    }
}
