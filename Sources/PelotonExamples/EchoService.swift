import PelotonServices

/// The demo's stateless service: any of its two owners can answer, so a call survives the
/// loss of one.
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

    public static func definition() throws -> ServiceDefinition {
        try ServiceDefinition(name: "echo", version: "1.0.0", replicas: 2) { service in
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
