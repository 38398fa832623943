import PelotonServices

/// The demo's stateless service: any of its two owners can answer, so a call survives the
/// loss of one.
public enum EchoService {
    public struct Message: Codable, Sendable {
        public var text: String
        public init(text: String) { self.text = text }
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
            try service.method(
                "upper", html: "<p class=\"echo\">{{text}}</p>", text: { $0.text }
            ) { (message: Message, _) in
                Echoed(text: message.text.uppercased(), length: message.text.count)
            }
        }
    }
}
