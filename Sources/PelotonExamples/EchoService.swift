import PelotonEvents
import PelotonServices
import Synchronization

/// The demo's stateless service: any of its two owners can answer, so a call survives the
/// loss of one. It also listens to `echo.#` events: `heard` returns the last one this owner got.
public enum EchoService {
    public struct Message: Codable, Sendable {
        public var text: String
        public init(text: String) { self.text = text }
    }

    public struct Delayed: Codable, Sendable {
        public var text: String
        public var milliseconds: Int
        public init(text: String, milliseconds: Int) {
            self.text = text
            self.milliseconds = milliseconds
        }
    }

    public struct Echoed: Codable, Sendable {
        public var text: String
        public var length: Int
    }

    public struct Heard: Codable, Sendable {
        public var topic: String?
        public var payload: String?
    }

    public struct Nothing: Codable, Sendable {
        public init() {}
    }

    public static func definition(version: String = "1.0.0") throws -> ServiceDefinition {
        let lastHeard = LastHeard()
        // Its handlers are quick and never block: owners run them on the loop that read the call.
        return try ServiceDefinition(name: "echo", version: version, replicas: 2, handlersRunOn: .eventLoop, idempotent: true) { service in
            try service.subscribe("echo.#") { event, _ in
                lastHeard.value.withLock { $0 = Heard(topic: event.topic.description, payload: String(decoding: event.payload, as: UTF8.self)) }
            }
            try service.method("heard") { (_: Nothing, _) in lastHeard.value.withLock { $0 } }
            try service.method("echo") { (message: Message, _) in
                Echoed(text: message.text, length: message.text.count)
            }
            // A slow handler, for trying deadlines and reissue by hand and in tests.
            try service.method("delay") { (request: Delayed, _) -> Echoed in
                guard (0...30_000).contains(request.milliseconds) else { throw ServiceError(status: 422, "milliseconds must be 0 to 30000") }
                try await Task.sleep(for: .milliseconds(request.milliseconds))
                return Echoed(text: request.text, length: request.text.count)
            }
            try service.method(
                "upper", html: "<p class=\"echo\">{{text}}</p>", text: { $0.text }
            ) { (message: Message, _) in
                Echoed(text: message.text.uppercased(), length: message.text.count)
            }
        }
    }
}

/// The last `echo.#` event an owner heard, shared by its subscription and its `heard` method.
private final class LastHeard: Sendable {
    let value = Mutex(EchoService.Heard())
}
