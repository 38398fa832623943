import Foundation
import PelotonProcessMesh
import PelotonSimulator

/// `Tools/bench jobs`: the Monte Carlo job on real nodes (release build). Speed-up: the same
/// CPU-bound job on 1, 2 and 3 nodes running one unit at a time each (`--job-cores 1`), so the
/// nodes stand for machines of one core; this machine has 2 cores, which caps the speed-up
/// near 2. Overhead: a job of 2,000 units of one sample each, as units per second.
func runJobsBench() async throws {
    print("jobs (release peloton processes on 127.0.0.1; Monte Carlo π)")
    let samples = 400_000_000
    var single = Double.nan
    print("    nodes × cores  units  samples      seconds  speed-up")
    for count in [1, 2, 3] {
        guard let seconds = try await timeJob(nodes: count, extra: ["--job-cores", "1"], input: #"{"samples":\#(samples),"units":48,"seed":3}"#) else {
            print("    \(count) × 1: the job did not finish")
            continue
        }
        if count == 1 { single = seconds }
        print("    " + [pad("\(count) × 1", 13), pad(48, 5), pad(samples, 11), pad(format(seconds), 8), pad(format(single / seconds), 8)].joined(separator: "  "))
    }
    for count in [1, 3] {
        guard let seconds = try await timeJob(nodes: count, extra: [], input: #"{"samples":2000,"units":2000}"#) else {
            print("    overhead on \(count) node(s): the job did not finish")
            continue
        }
        print("    overhead: 2,000 empty units on \(count) node(s) (all cores) in \(format(seconds)) s = \(format(2_000 / seconds)) units/s")
    }
}

/// Starts `nodes` nodes, submits the job, and returns the seconds from submission until its
/// record says done.
private func timeJob(nodes count: Int, extra: [String], input: String) async throws -> Double? {
    let mesh = try ProcessMesh(binary: ProcessMesh.binary(configuration: "release"))
    try mesh.start("j0", extra: extra, logLevel: "warning")
    for index in 1..<max(1, count) { try mesh.start("j\(index)", seed: 0, extra: extra, logLevel: "warning") }
    guard await mesh.agreeOnOneRing(seconds: 60) else { return nil }
    let started = Date()
    guard let answer = await mesh.request("POST", "/v1/jobs", json: #"{"job":"montecarlo","input":\#(input)}"#, via: 0, timeoutSeconds: 30),
          let id = (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["id"] as? String
    else { return nil }
    var finished: Date?
    var last = ""
    _ = await mesh.waitUntil(seconds: 600) {
        guard let body = await mesh.request("GET", "/v1/jobs/\(id)", via: 0)?.body,
              let job = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], let status = job["status"] as? String
        else { return false }
        last = "\(status) \(job["error"] ?? "")"
        if status == "done" { finished = Date() }
        return ["done", "failed", "cancelled"].contains(status)
    }
    if finished == nil { print("    the job ended \(last)") }
    return finished.map { $0.timeIntervalSince(started) }
}
