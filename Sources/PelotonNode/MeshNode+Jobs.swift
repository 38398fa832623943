import Foundation
import PelotonCore
import PelotonCrypto
import PelotonJobs
import PelotonNodeCore
import PelotonPlacement
import PelotonServices
import PelotonState
import PelotonWire

/// Parallel jobs on the runtime. A job's record lives in replicated state (`register` key
/// `peloton.job.ID`, partial results beside it as `peloton.job.ID.N`, every job id in the set
/// `peloton.jobs`), so any node answers for it. Its coordinator is the first owner of the job
/// id on the ring of all members: it drives `JobRun`, routing each unit to the unit's owners
/// (`peloton.jobs`, keyed `ID/N`), which reissue it to the next owner when one dies. Every node
/// looks each second for jobs it should coordinate and does not: that is how a job outlives the
/// node that submitted it and the node that coordinated it.
extension MeshNode {
    static let jobsService = "peloton.jobs"
    static let jobIndex = "peloton.jobs"
    static let jobBudget = Duration.seconds(10)

    static func recordKey(_ id: String) throws -> StateKey { try StateKey(kind: .register, name: "peloton.job.\(id)") }
    static func partialKey(_ id: String, _ unit: Int) throws -> StateKey { try StateKey(kind: .register, name: "peloton.job.\(id).\(unit)") }
    static func cancelKey(_ id: String) throws -> StateKey { try StateKey(kind: .flag, name: "peloton.job.\(id).cancel") }
    static func indexKey() throws -> StateKey { try StateKey(kind: .set, name: jobIndex) }

    // MARK: - What clients ask

    /// Splits `input` for `name` (here, so bad input is refused at once), saves the record at
    /// quorum and lists the job; its coordinator starts it within a second.
    /// `then` names a pipeline's later stages: each takes the one before's result as input.
    public nonisolated func submitJob(name: String, input: [UInt8], priority: Int, then: [String] = []) async throws -> JobRecord {
        let definitions = jobExecutor.definitions
        func unknown(_ stage: String) -> JobError {
            JobError("no job named \(stage); this mesh runs \(definitions.keys.sorted().joined(separator: ", "))")
        }
        guard let definition = definitions[name] else { throw unknown(name) }
        if let missing = then.first(where: { definitions[$0] == nil }) { throw unknown(missing) }
        guard then.count <= 16 else { throw JobError("a pipeline has at most 16 later stages") }
        let units = try definition.split(input)
        let id = RequestID.random().description
        var record = JobRecord(
            id: id, name: name, priority: priority, input: String(decoding: input, as: UTF8.self), maxAttempts: definition.maxAttempts,
            units: units.count, submittedAtMilliseconds: Self.wallClockMilliseconds(), then: then)
        record.trace = traceToSend()?.traceparent
        try await saveJob(record)
        _ = try await writeState(.insert([id]), to: Self.indexKey(), level: .quorum, budget: Self.jobBudget).get()
        await superviseJobs()
        return record
    }

    /// The job's record, merged from a quorum of its owners.
    public nonisolated func job(_ id: String) async throws -> JobRecord? {
        guard let text = try await readRegister(Self.recordKey(id)) else { return nil }
        return try JSONDecoder().decode(JobRecord.self, from: Data(text.utf8))
    }

    /// A register's value, merged from a quorum of its owners; nil when it has none.
    private nonisolated func readRegister(_ key: StateKey) async throws -> String? {
        guard case let .register(register)? = try await readState(key, level: .quorum, budget: Self.jobBudget).get() else { return nil }
        return register.value
    }

    /// Every job's record, newest first.
    public nonisolated func jobList() async throws -> [JobRecord] {
        var records: [JobRecord] = []
        for id in try await jobIDs() {
            if let record = try await job(id) { records.append(record) }
        }
        return records.sorted { ($0.submittedAtMilliseconds, $0.id) > ($1.submittedAtMilliseconds, $1.id) }
    }

    /// Asks the job's coordinator to cancel it (through a flag any node can set); false when
    /// the job has already finished.
    public nonisolated func cancelJob(_ id: String) async throws -> Bool {
        guard let record = try await job(id) else { throw JobError("no job \(id)") }
        guard !record.status.isFinished else { return false }
        _ = try await writeState(.enable, to: Self.cancelKey(id), level: .quorum, budget: Self.jobBudget).get()
        return true
    }

    nonisolated func jobIDs() async throws -> [String] {
        guard case let .set(set)? = try await readState(Self.indexKey(), level: .quorum, budget: Self.jobBudget).get() else { return [] }
        return set.elements
    }

    // MARK: - Coordinating

    /// Starts coordinating every unfinished job whose id this node is the first owner of.
    func superviseJobs() async {
        guard isPlaceable, let ids = try? await jobIDs() else { return }
        let ring = meshRing()
        for id in ids where !coordinatedJobs.contains(id) && !finishedJobs.contains(id) {
            guard ring.owners(of: PlacementKey(service: Self.jobsService, key: id), count: 1).first == self.id else { continue }
            guard let record = try? await job(id) else { continue }
            if record.status.isFinished {
                finishedJobs.insert(id)
                continue
            }
            // Checked again: another look may have started it while this one read.
            guard !coordinatedJobs.contains(id) else { continue }
            coordinatedJobs.insert(id)
            Task { await self.coordinate(record) }
        }
    }

    /// Runs the supervision every second until cancelled.
    func runJobSupervision() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(1))
            await superviseJobs()
        }
    }

    private enum CoordinatorEvent: Sendable {
        case unit(Int, UnitDispatch.Outcome)
        case combined(Result<String, JobError>)
        case cancelRequested
        /// Time to save the record if it changed since the last save.
        case flush
    }

    /// Drives one job to its end (or until this node stops coordinating it), in a span of the
    /// trace that submitted it.
    func coordinate(_ record: JobRecord) async {
        defer { coordinatedJobs.remove(record.id) }
        let submitter = record.trace.flatMap { TraceContext(traceparent: $0) }
        await tracer.span("job \(record.name)", carried: submitter, root: submitter == nil ? .onlyWithinTrace : .mayStartTrace) { span in
            span?.attributes["peloton.job"] = record.id
            await coordinateTraced(record)
        }
    }

    private func coordinateTraced(_ record: JobRecord) async {
        guard let definition = jobExecutor.definitions[record.name], let units = try? definition.split(Array(record.input.utf8)),
              units.count == record.units.count
        else {
            logger.error("job \(record.id): this node cannot run \(record.name) as recorded; leaving it to another")
            return
        }
        var partials: [Int: [UInt8]] = [:]
        for (index, unit) in record.units.enumerated() where unit.status == .done {
            if let value = try? await readRegister(Self.partialKey(record.id, index)) { partials[index] = Array(value.utf8) }
        }
        var run = JobRun(record: record, partials: partials, maxInFlight: 4 * max(1, aliveMembers().count + 1) * jobExecutor.cores)
        let (events, input) = AsyncStream.makeStream(of: CoordinatorEvent.self)
        logger.info("job \(record.id) (\(record.name), \(record.units.count) units): coordinating")
        let watcher = Task {
            while (try? await Task.sleep(for: .milliseconds(500))) != nil {
                // A read that fails (an owner just died) is tried again next time round.
                if let key = try? Self.cancelKey(record.id), case let .success(.flag(flag)?) = await self.readState(key, level: .one, budget: Self.jobBudget),
                   flag.isEnabled {
                    input.yield(.cancelRequested)
                    return
                }
                input.yield(.flush)
            }
        }
        defer { watcher.cancel() }
        var effects = run.start()
        var pending = events.makeAsyncIterator()
        // The record is saved at most twice a second while the job runs (each save waits for
        // a quorum's fsync) and at once when it finishes; a unit done since the last save
        // only runs again if a new coordinator takes over meanwhile.
        var unsaved = false
        var lastSave = ContinuousClock.now - .seconds(1)
        while true {
            for effect in effects {
                switch effect {
                case let .dispatch(unit):
                    let request = JobUnitRequest(
                        jobID: record.id, name: record.name, priority: record.priority, submittedAtMilliseconds: record.submittedAtMilliseconds,
                        unit: unit, unitJSON: String(decoding: units[unit], as: UTF8.self))
                    Task { input.yield(await self.dispatch(request)) }
                case let .savePartial(unit, partial):
                    // Not waited for: a record may say "done" before the partial is saved, and
                    // a new coordinator then runs that unit again (JobRun's rule).
                    let key = try? Self.partialKey(record.id, unit)
                    Task { await self.saveState(.assign(String(decoding: partial, as: UTF8.self)), to: key, what: "unit \(unit)'s result") }
                case .save:
                    guard run.record.status.isFinished || ContinuousClock.now - lastSave >= .milliseconds(500) else {
                        unsaved = true
                        continue
                    }
                    do { try await saveJob(run.record) } catch { logger.warning("job \(record.id): record not saved: \(error)") }
                    lastSave = .now
                    unsaved = false
                case let .combine(parts):
                    Task.detached {
                        input.yield(.combined(Result { String(decoding: try definition.combine(parts), as: UTF8.self) }.mapError { JobError("\($0)") }))
                    }
                case .cancelUnits:
                    await cancelUnits(of: record.id)
                }
            }
            if run.record.status.isFinished {
                finishedJobs.insert(record.id)
                if run.record.status == .done, let stage = run.record.then.first, let result = run.record.result {
                    await continuePipeline(run.record, with: stage, input: result)
                }
                logger.info("job \(record.id) \(run.record.status.rawValue)\(run.record.error.map { ": \($0)" } ?? "")")
                return
            }
            // A draining node hands its jobs on: the next owner's supervision resumes them
            // from the saved record.
            guard isPlaceable else {
                logger.info("job \(record.id): handed to the next owner (this node is draining)")
                return
            }
            guard let event = await pending.next() else { return }
            let now = Self.wallClockMilliseconds()
            switch event {
            case let .unit(unit, outcome): effects = UnitDispatch.report(outcome, of: unit, to: &run, atMilliseconds: now)
            case let .combined(outcome): effects = run.combined(outcome, atMilliseconds: now)
            case .cancelRequested: effects = run.cancel(atMilliseconds: now)
            case .flush: effects = unsaved ? [.save] : []
            }
        }
    }

    /// Submits a pipeline's next stage with `input` (the finished job's result) and records
    /// where the pipeline went; a stage refused (its input does not fit) ends the pipeline with
    /// the reason in the finished job's record.
    private func continuePipeline(_ finished: JobRecord, with stage: String, input: String) async {
        var record = finished
        do {
            let next = try await submitJob(name: stage, input: Array(input.utf8), priority: finished.priority, then: Array(finished.then.dropFirst()))
            record.next = next.id
            logger.info("job \(finished.id): the pipeline goes on as \(stage) \(next.id)")
        } catch {
            record.error = "the pipeline's next stage \(stage) was refused: \(error)"
        }
        do { try await saveJob(record) } catch { logger.warning("job \(finished.id): record not saved: \(error)") }
    }

    /// Routes one unit to its owners and says how it went.
    private nonisolated func dispatch(_ request: JobUnitRequest) async -> CoordinatorEvent {
        let body = (try? JSONEncoder().encode(request)).map(Array.init) ?? []
        let call = CallRequest(
            service: Self.jobsService, method: "run", key: "\(request.jobID)/\(request.unit)", body: body,
            budgetMilliseconds: CallRequest.maxBudgetMilliseconds)
        let outcome = UnitDispatch.outcome(of: await route(call, attemptTimeout: UnitDispatch.attemptTimeout).reply)
        if case .failed(_, byHandler: false) = outcome {
            // No owner took it: wait a moment before it goes out again, or a job whose owners
            // are all down would spin.
            try? await Task.sleep(for: JobRun.unreachableUnitPause)
        }
        return .unit(request.unit, outcome)
    }

    private func cancelUnits(of id: String) async {
        jobExecutor.cancel(id)
        let body = Array(id.utf8)
        for member in aliveMembers() {
            let call = CallRequest(service: Self.jobsService, method: "cancel", body: body, budgetMilliseconds: 2_000, hops: 1)
            Task { _ = try? await self.forward(call, to: member.id, at: member.address, within: .seconds(2)) }
        }
    }

    nonisolated func saveJob(_ record: JobRecord) async throws {
        let text = String(decoding: try JSONReply.compact.encode(record), as: UTF8.self)
        _ = try await writeState(.assign(text), to: Self.recordKey(record.id), level: .quorum, budget: Self.jobBudget).get()
    }

    private nonisolated func saveState(_ operation: StateOperation, to key: StateKey?, what: String) async {
        guard let key else { return }
        if case let .failure(failure) = await writeState(operation, to: key, level: .quorum, budget: Self.jobBudget) {
            logger.warning("\(what) not saved at quorum: \(failure.message)")
        }
    }

    // MARK: - Serving units

    /// A `peloton.jobs` call: run a unit here, or cancel a job's units here.
    nonisolated func serveJob(_ request: CallRequest) async -> CallReply {
        switch request.method {
        case "cancel":
            jobExecutor.cancel(String(decoding: request.body, as: UTF8.self))
            return CallReply(id: request.id, outcome: .success(RenderedReply(contentType: "application/json", body: [])))
        case "run":
            guard let unit = try? JSONDecoder().decode(JobUnitRequest.self, from: Data(request.body)) else {
                return CallReply(id: request.id, outcome: .failure(CallFailure(.badRequest, "not a work unit")))
            }
            switch await jobExecutor.run(unit) {
            case let .success(partial):
                return CallReply(id: request.id, outcome: .success(RenderedReply(contentType: "application/json", body: partial)))
            case let .failure(.handler(message)):
                return CallReply(id: request.id, outcome: .failure(CallFailure(.handler, status: 500, message)))
            case .failure(.cancelled):
                return CallReply(id: request.id, outcome: .failure(CallFailure(.unavailable, "the unit was cancelled")))
            case let .failure(.unknownJob(name)):
                return CallReply(id: request.id, outcome: .failure(CallFailure(.notOffered, "this node cannot run \(name)")))
            }
        default:
            return CallReply(id: request.id, outcome: .failure(CallFailure(.noSuchMethod, "peloton.jobs has run and cancel")))
        }
    }
}
