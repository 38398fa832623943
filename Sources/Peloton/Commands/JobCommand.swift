import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonNode

/// `peloton job submit|watch|list|cancel`: parallel jobs through any node.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Submit, watch, list and cancel parallel jobs.",
        subcommands: [JobSubmit.self, JobWatch.self, JobList.self, JobCancel.self])
}

struct JobSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Submit a job; prints its id, or with --watch follows it to its result.",
        discussion: #"peloton job submit montecarlo --json '{"samples": 100000000, "units": 30}' --watch"#)

    @Argument(help: "The job's name (this binary runs: montecarlo).")
    var name: String

    @Option(help: "A file holding the job's input as JSON.")
    var input: String?

    @Option(help: "The job's input as JSON.")
    var json: String?

    @Option(help: "Higher runs first where units wait for a core (-1000 to 1000).")
    var priority = 0

    @Option(help: "A pipeline's next stage, by job name (repeat for more): it takes the result as its input.")
    var then: [String] = []

    @Flag(help: "Follow the job with a progress bar until it finishes.")
    var watch = false

    @OptionGroup var api: NodeAPIOptions

    func run() async throws {
        guard (input == nil) != (json == nil) else { throw ValidationError("give the input with exactly one of --input FILE or --json JSON") }
        let text = try json ?? String(contentsOfFile: input ?? "", encoding: .utf8)
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            throw ValidationError("the input is not JSON")
        }
        let body = try JSONSerialization.data(withJSONObject: ["job": name, "input": parsed, "priority": priority, "then": then])
        var request = URLRequest(url: try apiURL(api.node, "/v1/jobs"), timeoutInterval: 15)
        request.httpMethod = "POST"
        request.httpBody = body
        let (data, response) = try await exchange(request, tokenFile: api.tokenFile)
        guard response.statusCode == 202, let job = try? JSONDecoder().decode(JobView.self, from: data) else {
            throw ValidationError("the node refused the job (\(response.statusCode)): \(String(decoding: data.prefix(400), as: UTF8.self))")
        }
        print("submitted \(job.job) as \(job.id) (\(job.unitCount) units)")
        if watch { try await follow(job.id, api: api) }
    }
}

struct JobWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Follow a job with a progress bar until it finishes, then print its result.")

    @Argument(help: "The job's id.")
    var id: String

    @OptionGroup var api: NodeAPIOptions

    func run() async throws { try await follow(id, api: api) }
}

struct JobList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every job, newest first, with status and progress.")

    @OptionGroup var api: NodeAPIOptions

    @Flag(help: "Print the node's JSON answer.")
    var json = false

    func run() async throws {
        guard let jobs = try await fetchView([JobView].self, path: "/v1/jobs", from: api, printingJSON: json) else { return }
        if jobs.isEmpty { print("no jobs") }
        for job in jobs {
            print("\(job.id)  \(job.job)  \(job.status)  \(Int(job.progressPercent))%  (\(job.unitsDone)/\(job.unitCount) units)\(job.error.map { "  \($0)" } ?? "")")
        }
    }
}

struct JobCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a job: its coordinator stops it and every running unit.")

    @Argument(help: "The job's id.")
    var id: String

    @OptionGroup var api: NodeAPIOptions

    func run() async throws {
        var request = URLRequest(url: try apiURL(api.node, "/v1/jobs/\(id)/cancel"), timeoutInterval: 15)
        request.httpMethod = "POST"
        let (data, response) = try await exchange(request, tokenFile: api.tokenFile)
        guard response.statusCode == 202 else {
            throw ValidationError("not cancelled (\(response.statusCode)): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        print("cancelling \(id)")
    }
}

/// Polls the job until it finishes, drawing its progress, then prints the outcome; exits 1
/// when it failed or was cancelled.
private func follow(_ first: String, api: NodeAPIOptions) async throws {
    var id = first
    var progress = ProgressOutput("job \(id.prefix(8))")
    while true {
        let job = try await fetchView(JobView.self, path: "/v1/jobs/\(id)", from: api, printingJSON: false)
        guard let job else { return }
        // A pipeline: follow it to the stage it went on to (it may take a moment to appear).
        if job.status == "done", job.then != nil || job.next != nil {
            if let next = job.next {
                progress.finish()
                print("\(job.job) \(job.id) done; the pipeline goes on as \(next)")
                id = next
                progress = ProgressOutput("job \(id.prefix(8))")
            } else if job.error == nil {
                try await Task.sleep(for: .milliseconds(300))
            }
            if job.next != nil || job.error == nil { continue }
        }
        if ["done", "failed", "cancelled"].contains(job.status) {
            progress.finish()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let result = job.result.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
            print("\(job.job) \(job.id) \(job.status)\(job.error.map { ": \($0)" } ?? "")")
            if let result { print(result) }
            if job.status != "done" { throw ExitCode(1) }
            return
        }
        progress.update(fraction: job.progressPercent / 100, detail: "\(job.unitsDone)/\(job.unitCount) units, \(job.status)")
        try await Task.sleep(for: .milliseconds(300))
    }
}
