import Foundation
import PelotonJobs
import Synchronization

/// Runs work units on this node, as many at once as it has cores; the rest wait in a
/// `UnitQueue` (higher priority first, then the earlier job). A job's cancellation drops its
/// waiting units and cancels its running ones.
final class JobExecutor: Sendable {
    /// How a unit's run ended, when it did not produce a partial result.
    enum Failure: Error {
        /// The job's own code threw: counted against the unit's attempts.
        case handler(String)
        case cancelled
        case unknownJob(String)
    }

    typealias Waiter = CheckedContinuation<Bool, Never>

    private struct State {
        var queue = UnitQueue<Waiter>()
        var running: [String: [Int: Task<[UInt8], any Error>]] = [:]
        var busy = 0
    }

    let definitions: [String: JobDefinition]
    let cores: Int
    private let state = Mutex(State())

    /// `cores`: units run at once; one per core of this machine unless given.
    init(definitions: [JobDefinition], cores: Int? = nil) {
        self.definitions = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.cores = max(1, cores ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    var waiting: Int { state.withLock { $0.queue.count } }
    var runningCount: Int { state.withLock { $0.busy } }

    func run(_ request: JobUnitRequest) async -> Result<[UInt8], Failure> {
        guard let definition = definitions[request.name] else { return .failure(.unknownJob(request.name)) }
        // Wait for a core: at once if one is free, else in the queue until `release` picks us.
        let admitted: Bool = await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.busy < cores {
                    state.busy += 1
                    return true
                }
                state.queue.push(.init(
                    priority: request.priority, submittedAtMilliseconds: request.submittedAtMilliseconds, jobID: request.jobID,
                    unit: request.unit, item: continuation))
                return false
            }
            if now { continuation.resume(returning: true) }
        }
        guard admitted else { return .failure(.cancelled) }
        defer { release() }
        let task = Task { try await definition.run(Array(request.unitJSON.utf8)) }
        state.withLock { $0.running[request.jobID, default: [:]][request.unit] = task }
        defer {
            state.withLock { state in
                state.running[request.jobID]?.removeValue(forKey: request.unit)
                if state.running[request.jobID]?.isEmpty == true { state.running[request.jobID] = nil }
            }
        }
        do {
            return .success(try await task.value)
        } catch is CancellationError {
            return .failure(.cancelled)
        } catch {
            return .failure(.handler("\(error)"))
        }
    }

    /// Drops `jobID`'s waiting units and cancels its running ones; how many it reached.
    @discardableResult
    func cancel(_ jobID: String) -> Int {
        let (dropped, tasks) = state.withLock { state in
            (state.queue.removeAll(ofJob: jobID), Array((state.running.removeValue(forKey: jobID) ?? [:]).values))
        }
        for entry in dropped { entry.item.resume(returning: false) }
        for task in tasks { task.cancel() }
        return dropped.count + tasks.count
    }

    /// A core is free: hand it to the best waiting unit, or count it free.
    private func release() {
        let next = state.withLock { state -> Waiter? in
            if let best = state.queue.popBest() { return best.item }
            state.busy -= 1
            return nil
        }
        next?.resume(returning: true)
    }
}

/// One unit on its way to an owner (the body of a `peloton.jobs` `run` call).
struct JobUnitRequest: Codable, Sendable {
    let jobID: String
    let name: String
    let priority: Int
    let submittedAtMilliseconds: UInt64
    let unit: Int
    let unitJSON: String
}
