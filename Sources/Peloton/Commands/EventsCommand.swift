import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonEvents
import PelotonNode
import Synchronization

/// `peloton publish TOPIC`: publishes an event through a node to every subscriber in the mesh.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Publish an event to every subscriber in the mesh.",
        discussion: "peloton publish orders.created --json '{\"id\": 7}'    (at most \(MeshEvent.maxPayloadBytes) bytes)")

    @Argument(help: "The topic: dot-separated segments of letters, digits, '-' and '_'.")
    var topic: String

    @Option(help: "The payload, JSON by convention.")
    var json = "{}"

    @OptionGroup var api: NodeAPIOptions

    func run() async throws {
        do {
            _ = try Topic(topic)
        } catch {
            throw ValidationError(error.description)
        }
        var request = URLRequest(url: try apiURL(api.node, "/v1/events/\(topic)"), timeoutInterval: 5)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        let (data, response) = try await exchange(request, tokenFile: api.tokenFile)
        guard response.statusCode == 202, let event = try? JSONDecoder().decode(EventView.self, from: data) else {
            throw CallFailed("publishing failed (\(response.statusCode)): \(String(decoding: data, as: UTF8.self))")
        }
        print("published \(event.topic) as \(event.id)")
    }
}

/// `peloton subscribe PATTERN`: prints events as a node delivers them (server-sent events).
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe", abstract: "Print events matching a pattern as they arrive ('*' one segment, '#' any number).",
        discussion: "peloton subscribe 'orders.#'    peloton subscribe 'mesh.member.*' --count 1")

    @Argument(help: "The topic pattern.")
    var pattern: String

    @Option(help: "Stop after this many events.")
    var count: Int?

    @Flag(help: "Print each event as the node's JSON.")
    var json = false

    @OptionGroup var api: NodeAPIOptions

    func run() async throws {
        do {
            _ = try TopicPattern(pattern)
        } catch {
            throw ValidationError(error.description)
        }
        let encoded = pattern.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "#"))) ?? pattern
        var request = URLRequest(url: try apiURL(api.node, "/v1/events/\(encoded)/stream"), timeoutInterval: 3_600)
        if let tokenFile = api.tokenFile {
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let printer = EventStreamPrinter(limit: count, json: json)
        let session = URLSession(configuration: .default, delegate: printer, delegateQueue: nil)
        let task = session.dataTask(with: request)
        printer.task.withLock { $0 = task }
        task.resume()
        let outcome = await printer.finished()
        session.invalidateAndCancel()
        if let outcome { throw CallFailed("the event stream from \(api.node) ended: \(outcome)") }
    }
}

/// Reads a server-sent event stream and prints each event; finishes after `limit` events or
/// when the stream ends.
final class EventStreamPrinter: NSObject, URLSessionDataDelegate, Sendable {
    let limit: Int?
    let json: Bool
    let task = Mutex<URLSessionDataTask?>(nil)
    private let state = Mutex<(buffer: Data, printed: Int, done: CheckedContinuation<String?, Never>?, result: String??)>((Data(), 0, nil, nil))

    init(limit: Int?, json: Bool) {
        self.limit = limit
        self.json = json
    }

    /// Waits for the end: nil when the limit was reached, else why the stream ended.
    func finished() async -> String? {
        await withCheckedContinuation { continuation in
            let ready: String?? = state.withLock { state in
                if let result = state.result { return result }
                state.done = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func finish(_ result: String?) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard state.result == nil else { return nil }
            state.result = .some(result)
            defer { state.done = nil }
            return state.done
        }
        waiter?.resume(returning: result)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let frames: [Data] = state.withLock { state in
            state.buffer.append(data)
            var frames: [Data] = []
            while let end = state.buffer.range(of: Data("\n\n".utf8)) {
                frames.append(state.buffer.subdata(in: state.buffer.startIndex..<end.lowerBound))
                state.buffer.removeSubrange(state.buffer.startIndex..<end.upperBound)
            }
            return frames
        }
        for frame in frames {
            guard let line = String(decoding: frame, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { continue }
            let body = line.dropFirst("data: ".count)
            var text = String(body)
            if !json, let event = try? JSONDecoder().decode(EventView.self, from: Data(body.utf8)) {
                text = "\(event.topic)  \(event.payload ?? "(base64) " + (event.payloadBase64 ?? ""))"
            }
            // Unbuffered, so a pipe sees each event as it comes.
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
            let reached = state.withLock { state in
                state.printed += 1
                return limit.map { state.printed >= $0 } ?? false
            }
            if reached {
                finish(nil)
                task.withLock { $0?.cancel() }
                return
            }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        finish(error.map { "\($0.localizedDescription)" } ?? "the node closed it")
    }
}
