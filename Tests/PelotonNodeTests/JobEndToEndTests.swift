import Foundation
import PelotonExamples
import PelotonProcessMesh
import PelotonNode
import Testing

/// Parallel jobs through real `peloton node` processes: split over the mesh, finished with the
/// right result when a node running units dies, or when the coordinator itself does, and
/// stopped everywhere when cancelled.
@Suite(.serialized) struct JobEndToEndTests {
    /// Four rounds of a second on 3 nodes of 2 cores: long enough that "mid-job" lasts for
    /// seconds, whatever the machine's load (the record is saved at most twice a second).
    static let input = MonteCarloJob.Input(samples: 600_000, units: 24, seed: 7, pauseMilliseconds: 1_000)

    /// What the job must come to, computed here with the same code.
    static func expectedInside() async throws -> Int {
        let job = MonteCarloJob()
        var inside = 0
        for var unit in try job.split(input) {
            unit.pauseMilliseconds = 0
            inside += try await job.run(unit).inside
        }
        return inside
    }

    static func submit(_ mesh: ProcessMesh, via index: Int, input: MonteCarloJob.Input = input) async throws -> String? {
        let body = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        let answer = await mesh.request("POST", "/v1/jobs", json: #"{"job":"montecarlo","input":\#(body)}"#, via: index)
        #expect(answer?.status == 202, "\(answer?.body ?? "no answer")")
        return (try? JSONSerialization.jsonObject(with: Data((answer?.body ?? "").utf8)) as? [String: Any])?["id"] as? String
    }

    static func job(_ mesh: ProcessMesh, _ id: String, via index: Int) async -> [String: Any]? {
        guard let answer = await mesh.request("GET", "/v1/jobs/\(id)", via: index), answer.status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
    }

    /// The node whose log says it coordinates job `id`.
    static func coordinator(of id: String, in mesh: ProcessMesh) -> Int? {
        mesh.nodes.indices.first { index in
            let log = (try? String(contentsOf: mesh.directory.appendingPathComponent("\(mesh.nodes[index].name).log"), encoding: .utf8)) ?? ""
            return log.contains("job \(id) (montecarlo, \(input.units) units): coordinating")
        }
    }

    func runsToTheRightResult(killing victim: (_ coordinator: Int) -> Int) async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3), let id = try await Self.submit(mesh, via: 0) else { return }
        let started = await mesh.waitUntil(seconds: 20) {
            let progress = await Self.job(mesh, id, via: 1)?["progressPercent"] as? Double ?? 0
            return progress > 0 && progress < 100
        }
        #expect(started, "the job did not get under way\n\(mesh.logs())")
        guard let coordinator = Self.coordinator(of: id, in: mesh) else {
            Issue.record("no node coordinates the job\n\(mesh.logs())")
            return
        }
        let killed = victim(coordinator)
        mesh.kill(killed)
        let survivor = (killed + 1) % 3
        var job: [String: Any]?
        let finished = await mesh.waitUntil(seconds: 90) {
            job = await Self.job(mesh, id, via: survivor)
            return (job?["status"] as? String).map { ["done", "failed", "cancelled"].contains($0) } ?? false
        }
        #expect(finished && job?["status"] as? String == "done", "\(job ?? [:])\n\(mesh.logs())")
        let result = job?["result"] as? [String: Any]
        #expect(result?["inside"] as? Int == (try await Self.expectedInside()), "\(result ?? [:])")
        #expect(result?["samples"] as? Int == Self.input.samples && job?["unitsDone"] as? Int == Self.input.units)
    }

    @Test(.timeLimit(.minutes(3))) func aJobFinishesRightWhenANodeRunningItsUnitsDies() async throws {
        try await runsToTheRightResult { coordinator in (coordinator + 1) % 3 }
    }

    @Test(.timeLimit(.minutes(3))) func aJobFinishesRightWhenItsCoordinatorDies() async throws {
        try await runsToTheRightResult { coordinator in coordinator }
    }

    @Test(.timeLimit(.minutes(3))) func aCancelledJobStopsAndBadSubmissionsAreRefused() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        let long = MonteCarloJob.Input(samples: 1_000, units: 20, seed: 1, pauseMilliseconds: 20_000)
        guard let id = try await Self.submit(mesh, via: 1, input: long) else { return }
        let running = await mesh.waitUntil(seconds: 20) { await Self.job(mesh, id, via: 2)?["status"] as? String == "running" }
        #expect(running)
        #expect(await mesh.request("POST", "/v1/jobs/\(id)/cancel", json: "", via: 2)?.status == 202)
        // Units sleep 20 s each: only a cancellation that reaches them ends the job this soon.
        let cancelled = await mesh.waitUntil(seconds: 10) { await Self.job(mesh, id, via: 0)?["status"] as? String == "cancelled" }
        #expect(cancelled, "\(mesh.logs())")
        #expect(await mesh.request("POST", "/v1/jobs/\(id)/cancel", json: "", via: 0)?.status == 409)
        // Every node let go of the units: nothing of the job waits or runs anywhere.
        let released = await mesh.waitUntil(seconds: 10) {
            var busy = 0
            for index in 0..<3 { busy += Int(await mesh.health(of: index)?.jobUnitsRunning ?? 1) }
            return busy == 0
        }
        #expect(released, "units still running after the cancellation")

        #expect(await mesh.request("POST", "/v1/jobs", json: #"{"job":"nope","input":{}}"#, via: 0)?.body.contains("no job named nope") == true)
        #expect(await mesh.request("POST", "/v1/jobs", json: #"{"job":"montecarlo","input":{"samples":5,"units":0}}"#, via: 0)?.status == 400)
        #expect(await mesh.request("POST", "/v1/jobs", json: "not json", via: 0)?.status == 400)
        #expect(await mesh.request("GET", "/v1/jobs/0123", via: 0)?.status == 404)
        let list = await mesh.request("GET", "/v1/jobs", via: 0)
        #expect(list?.status == 200 && list?.body.contains(id) == true)
    }
}

extension JobEndToEndTests {
    @Test(.timeLimit(.minutes(3))) func aPipelineFeedsEachStagesResultToTheNext() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        let submitted = await mesh.request(
            "POST", "/v1/jobs", json: #"{"job":"montecarlo","input":{"samples":200000,"units":6,"seed":5},"then":["montecarlo-error"]}"#, via: 2)
        #expect(submitted?.status == 202, "\(submitted?.body ?? "no answer")")
        guard let id = (try? JSONSerialization.jsonObject(with: Data((submitted?.body ?? "").utf8)) as? [String: Any])?["id"] as? String else { return }
        var next: String?
        _ = await mesh.waitUntil(seconds: 30) {
            next = await Self.job(mesh, id, via: 0)?["next"] as? String
            return next != nil
        }
        guard let next else {
            Issue.record("the pipeline did not go on\n\(mesh.logs())")
            return
        }
        var second: [String: Any]?
        let done = await mesh.waitUntil(seconds: 30) {
            second = await Self.job(mesh, next, via: 1)
            return second?["status"] as? String == "done"
        }
        #expect(done && second?["job"] as? String == "montecarlo-error", "\(second ?? [:])")
        let first = await Self.job(mesh, id, via: 1)?["result"] as? [String: Any]
        let result = second?["result"] as? [String: Any]
        // The second stage saw exactly the first one's result.
        #expect(result?["estimate"] as? Double == first?["estimate"] as? Double)
        #expect(result?["withinTwoStandardErrors"] is Bool)
        // A later stage that does not exist is refused at submission.
        let refused = await mesh.request("POST", "/v1/jobs", json: #"{"job":"montecarlo","input":{"samples":10,"units":1},"then":["nope"]}"#, via: 0)
        #expect(refused?.status == 400 && refused?.body.contains("no job named nope") == true)
    }
}
