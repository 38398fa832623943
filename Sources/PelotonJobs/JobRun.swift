/// One job's progress as its coordinator drives it, decided without I/O: which units to send
/// out, when a failure is retried or ends the job, when the partials are combined. The
/// runtime carries the effects out (routing each unit to its owners, which reissues it to the
/// next owner when one dies) and feeds back what happened; the simulator does the same.
public struct JobRun: Sendable {
    public enum Effect: Equatable, Sendable {
        /// Send this unit to its owners.
        case dispatch(unit: Int)
        /// Keep this unit's partial result beside the record.
        case savePartial(unit: Int, partial: [UInt8])
        /// Save the record (after any partials saved with it).
        case save
        /// Every unit is done: combine these partials, in unit order.
        case combine([[UInt8]])
        /// Tell every node to stop this job's units.
        case cancelUnits
    }

    /// How long a shell waits before it reports a unit that no owner took: without the pause,
    /// a job whose owners are all down would spin. The runtime and the simulator both use it.
    public static let unreachableUnitPause = Duration.milliseconds(200)

    public private(set) var record: JobRecord
    private var partials: [Int: [UInt8]]
    /// Units out at once: enough to keep every node's cores busy, few enough that a
    /// cancellation or a failure wastes little.
    public let maxInFlight: Int

    /// Resumes `record` (a new job, or one another coordinator left) with the partials kept
    /// so far. A unit that was running may have lost its runner, and a done unit without its
    /// partial is not done: both run again.
    public init(record: JobRecord, partials: [Int: [UInt8]], maxInFlight: Int) {
        var record = record
        for index in record.units.indices where record.units[index].status == .running
            || (record.units[index].status == .done && partials[index] == nil) {
            record.units[index].status = .pending
        }
        self.record = record
        self.partials = partials
        self.maxInFlight = max(1, maxInFlight)
    }

    public var progressPercent: Double { record.progressPercent }

    public mutating func start() -> [Effect] {
        guard !record.status.isFinished else { return [] }
        record.status = .running
        if record.units.allSatisfy({ $0.status == .done }) { return [.save, combineEffect] }
        return [.save] + dispatchMore()
    }

    public mutating func unitSucceeded(_ unit: Int, partial: [UInt8]) -> [Effect] {
        guard record.status == .running, record.units.indices.contains(unit), record.units[unit].status != .done else { return [] }
        record.units[unit].status = .done
        record.units[unit].error = nil
        partials[unit] = partial
        var effects: [Effect] = [.savePartial(unit: unit, partial: partial), .save]
        if record.units.allSatisfy({ $0.status == .done }) {
            effects.append(combineEffect)
        } else {
            effects += dispatchMore()
        }
        return effects
    }

    /// A unit's run failed. A handler error counts against the unit's attempts, and the last
    /// attempt fails the job; a unit no owner could be reached for is simply sent again.
    public mutating func unitFailed(_ unit: Int, error: String, byHandler: Bool, atMilliseconds now: UInt64) -> [Effect] {
        guard record.status == .running, record.units.indices.contains(unit), record.units[unit].status == .running else { return [] }
        record.units[unit].error = error
        if byHandler {
            record.units[unit].attempts += 1
            if record.units[unit].attempts >= record.maxAttempts {
                record.units[unit].status = .failed
                finish(.failed, error: "unit \(unit) failed \(record.units[unit].attempts) times: \(error)", at: now)
                return [.cancelUnits, .save]
            }
        }
        record.units[unit].status = .pending
        return [.save] + dispatchMore()
    }

    /// What `combine` produced.
    public mutating func combined(_ outcome: Result<String, JobError>, atMilliseconds now: UInt64) -> [Effect] {
        guard record.status == .running else { return [] }
        switch outcome {
        case let .success(result):
            record.result = result
            finish(.done, error: nil, at: now)
        case let .failure(error):
            finish(.failed, error: "combine failed: \(error)", at: now)
        }
        return [.save]
    }

    public mutating func cancel(atMilliseconds now: UInt64) -> [Effect] {
        guard !record.status.isFinished else { return [] }
        finish(.cancelled, error: nil, at: now)
        return [.cancelUnits, .save]
    }

    private mutating func finish(_ status: JobRecord.Status, error: String?, at now: UInt64) {
        record.status = status
        record.error = error
        record.finishedAtMilliseconds = now
        // A job that ends early leaves its running units as not done.
        for index in record.units.indices where record.units[index].status == .running {
            record.units[index].status = .pending
        }
    }

    private var combineEffect: Effect {
        .combine(record.units.indices.map { partials[$0] ?? [] })
    }

    /// Sends pending units out, lowest index first, up to `maxInFlight` running.
    private mutating func dispatchMore() -> [Effect] {
        var running = record.units.filter { $0.status == .running }.count
        var effects: [Effect] = []
        for index in record.units.indices where running < maxInFlight && record.units[index].status == .pending {
            record.units[index].status = .running
            running += 1
            effects.append(.dispatch(unit: index))
        }
        return effects
    }
}
