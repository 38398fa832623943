import Foundation
import Hummingbird
import NIOCore
import PelotonServices

/// The HTTP API's JSON answers, errors and shared query options, written once for every
/// endpoint.
enum JSONReply {
    /// Views meant for people too (`/v1/members`, `/v1/ring`): indented.
    static let pretty: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }()

    /// State and event answers: one line each, as a stream of them needs.
    static let compact: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, encoder: JSONEncoder = pretty) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A failed call or state operation: `{"error": code, "message": why}` with its status,
    /// after `headers` (a call's id and attempts).
    static func failure(_ failure: CallFailure, headers: HTTPFields = [:]) -> Response {
        var error = APIError(failure)
        error.headers = headers
        return error.response()
    }

    /// The request's body, or 413 with `tooLarge` when it is longer than `limit` bytes. A body
    /// that breaks off (malformed chunks, shorter than its Content-Length, too slow) is
    /// answered by `HTTPRequestGuard`; the error here only ends the handler.
    static func body(of request: Request, atMost limit: Int, tooLarge: @autoclosure () -> String) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError(.contentTooLarge, .payloadTooLarge, tooLarge())
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, .payloadTooLarge, tooLarge())
        } catch {
            throw APIError(.badRequest, .badRequest, "the request body could not be read: \(error)")
        }
    }

    /// The client's `X-Request-Id` (32 hex digits), or a new id when it sent none.
    static func requestID(of request: Request) throws -> PelotonServices.RequestID {
        guard let given = request.headers[.requestID] else { return .random() }
        guard let parsed = RequestID(hex: given) else { throw APIError(.badRequest, .badRequest, "X-Request-Id must be 32 hex digits") }
        return parsed
    }

    /// `?timeout_ms=`, 5 s unless given.
    static func timeoutMilliseconds(_ query: [String: String]) throws -> UInt32 {
        guard let given = query["timeout_ms"] else { return CallEndpoint.defaultTimeoutMilliseconds }
        guard let milliseconds = UInt32(given), (1...CallRequest.maxBudgetMilliseconds).contains(milliseconds) else {
            throw APIError(.badRequest, .badRequest, "timeout_ms must be a whole number from 1 to \(CallRequest.maxBudgetMilliseconds)")
        }
        return milliseconds
    }
}
