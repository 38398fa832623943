import Foundation
import Hummingbird
import NIOCore
import PelotonTesting
import Synchronization

/// A small OTLP/HTTP collector for tests: takes `POST /v1/traces` as OTLP JSON and keeps the
/// spans, on 127.0.0.1 and a free port, until stopped.
final class OTLPReceiver: Sendable {
    /// One received span; ids as lowercase hex.
    struct Span: Sendable, CustomStringConvertible {
        let node: String
        let traceID: String
        let spanID: String
        let parentSpanID: String?
        let name: String
        /// OTLP's numbers: 1 internal, 2 server, 3 client.
        let kind: Int
        let failed: Bool
        let attributes: [String: String]

        var description: String { "\(node): \(name) \(spanID) <- \(parentSpanID ?? "root")\(failed ? " (failed)" : "")" }
    }

    private let server: LoopbackHTTPServer
    private let receivedSpans: ReceivedSpans
    var endpoint: String { server.url }

    init() async throws {
        let router = Router()
        let received = ReceivedSpans()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            received.add(Self.spans(inJSON: Data(buffer: body)))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        server = try await LoopbackHTTPServer(router, label: "otlp-receiver")
        receivedSpans = received
    }

    /// The spans of trace `traceID` received so far.
    func spans(ofTrace traceID: String) -> [Span] { receivedSpans.all.filter { $0.traceID == traceID } }

    func stop() async { await server.stop() }

    /// Spans in an OTLP JSON export: `resourceSpans[].scopeSpans[].spans[]`, the node from the
    /// resource's `peloton.node`. Ids may be hex (the OTLP JSON rule) or base64 (protobuf's
    /// JSON mapping): both are read.
    static func spans(inJSON data: Data) -> [Span] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [] }
        var found: [Span] = []
        for resource in object["resourceSpans"] as? [[String: Any]] ?? [] {
            let node = attributes((resource["resource"] as? [String: Any])?["attributes"])["peloton.node"] ?? "?"
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    let parent = (span["parentSpanId"] as? String).map(hexID).flatMap { $0.isEmpty ? nil : $0 }
                    let status = span["status"] as? [String: Any]
                    let code = status?["code"]
                    found.append(Span(
                        node: node, traceID: hexID(span["traceId"] as? String ?? ""), spanID: hexID(span["spanId"] as? String ?? ""),
                        parentSpanID: parent, name: span["name"] as? String ?? "", kind: span["kind"] as? Int ?? kindNumber(span["kind"]),
                        failed: (code as? Int) == 2 || (code as? String) == "STATUS_CODE_ERROR", attributes: attributes(span["attributes"])))
                }
            }
        }
        return found
    }

    private static func kindNumber(_ value: Any?) -> Int {
        switch value as? String {
        case "SPAN_KIND_INTERNAL": 1
        case "SPAN_KIND_SERVER": 2
        case "SPAN_KIND_CLIENT": 3
        default: 0
        }
    }

    private static func attributes(_ value: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in value as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any], let first = value.first else { continue }
            result[key] = "\(first.value)"
        }
        return result
    }

    private static func hexID(_ text: String) -> String {
        let isHex = !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } && (text.count == 32 || text.count == 16)
        if isHex { return text }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// The spans a receiver holds; written from its request handlers.
private final class ReceivedSpans: Sendable {
    private let spans = Mutex<[OTLPReceiver.Span]>([])
    func add(_ new: [OTLPReceiver.Span]) { spans.withLock { $0 += new } }
    var all: [OTLPReceiver.Span] { spans.withLock { $0 } }
}
