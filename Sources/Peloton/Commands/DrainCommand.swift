import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonNode

/// `peloton drain --node URL`: the node stops as on SIGTERM, without failing anyone's call. It
/// tells the mesh it is draining (routers stop choosing it), finishes the calls it is running,
/// hands its state to the keys' new owners, leaves, and exits.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Drain a node: finish its calls, hand over its state, leave the mesh and stop.",
        discussion: "The same as sending the node SIGTERM. Waits until the node has stopped unless --no-wait.")

    @OptionGroup var api: NodeAPIOptions

    @Flag(help: "Return once the node has started draining.")
    var noWait = false

    @Option(help: "How long to wait for the node to stop, in seconds.")
    var timeout = 120.0

    func run() async throws {
        var request = URLRequest(url: try apiURL(api.node, "/v1/drain"), timeoutInterval: 5)
        request.httpMethod = "POST"
        let (data, response) = try await exchange(request, tokenFile: api.tokenFile)
        guard response.statusCode == 202, let view = try? JSONDecoder().decode(DrainView.self, from: data) else {
            throw ValidationError("\(api.node) answered \(response.statusCode): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        print("\(view.node) is draining: it finishes its calls, hands over its state, then leaves")
        guard !noWait else { return }
        let started = ContinuousClock.now
        let progress = ProgressOutput("draining \(view.node)")
        var health = URLRequest(url: try apiURL(api.node, "/v1/health"), timeoutInterval: 2)
        health.httpMethod = "GET"
        while ContinuousClock.now - started < .seconds(timeout) {
            // The node is gone once its API no longer answers at all.
            guard (try? await exchange(health, tokenFile: api.tokenFile)) != nil else {
                progress.finish()
                print("\(view.node) has left the mesh and stopped")
                return
            }
            progress.update(status: "\((ContinuousClock.now - started).components.seconds) s")
            try await Task.sleep(for: .milliseconds(200))
        }
        progress.finish()
        throw ValidationError("\(view.node) was still running after \(Int(timeout)) s; see its log")
    }
}
