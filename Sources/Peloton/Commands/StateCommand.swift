import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonState

/// `peloton state get|incr|add|remove|set|enable|disable`: replicated state through any node's
/// HTTP API.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Read and write replicated state (counters, registers, sets, flags, maps).",
        discussion: """
            peloton state get counter hits
            peloton state incr hits --by 5                # a counter (--type gcounter for grow-only)
            peloton state add tags red green              # a set
            peloton state remove tags red
            peloton state set motd "hello"                # a register (--type mvregister keeps concurrent values)
            peloton state enable maintenance              # a flag
            peloton state update user-7 visits increment --by 1   # a map field
            Every command takes --level one|quorum|all (quorum by default) and --node URL.
            """,
        subcommands: [Get.self, Increment.self, Add.self, Remove.self, Assign.self, Enable.self, Disable.self, Update.self])

    struct Options: ParsableArguments {
        @OptionGroup var api: NodeAPIOptions

        @Option(help: "How many owners must answer: one, quorum or all.")
        var level: ConsistencyLevel = .quorum

        @Option(help: "How long to wait, in milliseconds.")
        var timeoutMs: UInt32 = 5_000

        @Flag(help: "Print the node's JSON answer as it came.")
        var json = false
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a key's value, merged from --level owners.")
        @Argument(help: "The type: \(StateKind.allCases.map(\.name).joined(separator: ", ")).") var type: String
        @Argument(help: "The key.") var key: String
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("GET", type: type, key: key, operation: nil, body: nil, options: options)
        }
    }

    struct Increment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "incr", abstract: "Add to a counter (negative --by subtracts).")
        @Argument(help: "The counter's key.") var key: String
        @Option(help: "How much to add.") var by: Int64 = 1
        @Option(help: "counter or gcounter.") var type = "counter"
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("POST", type: type, key: key, operation: "increment", body: StateWriteBody(by: by), options: options)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add elements to a set.")
        @Argument(help: "The set's key.") var key: String
        @Argument(help: "The elements.") var elements: [String]
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("POST", type: "set", key: key, operation: "add", body: StateWriteBody(elements: elements), options: options)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove elements from a set (the adds this node's owners have seen).")
        @Argument(help: "The set's key.") var key: String
        @Argument(help: "The elements.") var elements: [String]
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("POST", type: "set", key: key, operation: "remove", body: StateWriteBody(elements: elements), options: options)
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Assign a register.")
        @Argument(help: "The register's key.") var key: String
        @Argument(help: "The value.") var value: String
        @Option(help: "register (last writer wins) or mvregister (keeps concurrent values).") var type = "register"
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("POST", type: type, key: key, operation: "assign", body: StateWriteBody(value: value), options: options)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a flag (an enable wins over a concurrent disable).")
        @Argument(help: "The flag's key.") var key: String
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("POST", type: "flag", key: key, operation: "enable", body: nil, options: options)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Clear a flag.")
        @Argument(help: "The flag's key.") var key: String
        @OptionGroup var options: Options

        func run() async throws {
            try await perform("POST", type: "flag", key: key, operation: "disable", body: nil, options: options)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change one field of a map: increment, decrement, assign, add, remove, enable or disable.")
        @Argument(help: "The map's key.") var key: String
        @Argument(help: "The field.") var field: String
        @Argument(help: "The change.") var change: String
        @Argument(help: "The value or element, for assign, add and remove.") var value: String?
        @Option(help: "For increment and decrement.") var by: Int64?
        @OptionGroup var options: Options

        func run() async throws {
            let body = StateWriteBody(by: by, value: value, element: value, field: field, change: change)
            try await perform("POST", type: "map", key: key, operation: "update", body: body, options: options)
        }
    }
}

extension ConsistencyLevel: ExpressibleByArgument {}

/// Sends one state request and prints the value (or the node's JSON with --json).
private func perform(_ method: String, type: String, key: String, operation: String?, body: StateWriteBody?, options: StateCommand.Options) async throws {
    guard let kind = StateKind(name: type) else {
        throw ValidationError("no state type '\(type)'; the types are \(StateKind.allCases.map(\.name).joined(separator: ", "))")
    }
    do {
        _ = try StateKey(kind: kind, name: key)
    } catch {
        throw ValidationError(error.description)
    }
    var components = URLComponents()
    components.path = "/v1/state/\(type)/\(key)" + (operation.map { "/\($0)" } ?? "")
    components.queryItems = [URLQueryItem(name: "level", value: options.level.rawValue), URLQueryItem(name: "timeout_ms", value: String(options.timeoutMs))]
    guard let path = components.string else { throw ValidationError("'\(key)' cannot be used in a URL") }
    var request = URLRequest(url: try apiURL(options.api.node, path), timeoutInterval: Double(options.timeoutMs) / 1000 + 5)
    request.httpMethod = method
    if let body {
        request.httpBody = try JSONEncoder().encode(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await exchange(request, tokenFile: options.api.tokenFile)
    let text = String(decoding: data, as: UTF8.self)
    guard response.statusCode == 200 else {
        let message = (try? JSONDecoder().decode(ErrorBody.self, from: data))?.message ?? text
        throw CallFailed("\(method) \(path) failed (\(response.statusCode)): \(message)")
    }
    if options.json {
        print(text)
        return
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        print(text)
        return
    }
    let value = object["value"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed, .sortedKeys]) }
    var line = "\(type)/\(key) = \(value.map { String(decoding: $0, as: UTF8.self) } ?? "null")"
    if let acknowledged = object["acknowledged"] as? Int, let owners = object["owners"] as? Int {
        line += "  (held by \(acknowledged) of \(owners) owners)"
    }
    print(line)
}

private struct ErrorBody: Decodable {
    let message: String
}
