import Foundation
import Hummingbird
import NIOCore
import PelotonServices

/// The HTTP API's one error shape, `{"error": CODE, "message": WHY}`, on every 4xx and 5xx:
/// from an endpoint, a call that failed, the router (unknown paths, wrong methods) and the
/// connection guard (malformed requests). `Code` is the documented list.
public struct APIError: Error, HTTPResponseError, Equatable, Sendable {
    public enum Code: String, Codable, CaseIterable, Sendable {
        // What a call can end with (`CallFailure.Code`, same names).
        case handler, badRequest, noSuchService, noSuchMethod, notAcceptable, noOwners, unavailable
        case deadlineExceeded, notOffered, overloaded, uncertain
        // The rest of the API.
        case unauthorized, forbidden, notFound, methodNotAllowed, conflict, payloadTooLarge
        case upgradeRequired, requestTimeout, headersTooLarge, versionNotSupported
        case tooManyConnections, internalError
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String
    /// Extra headers: `Allow` on a 405, `Retry-After` on a 503.
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: Code, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public init(_ failure: CallFailure) {
        self.init(.init(code: Int(failure.status)), Code(rawValue: "\(failure.code)") ?? .internalError, failure.message)
    }

    /// Any error thrown while answering, in the one shape: Hummingbird's own (`HTTPError` from
    /// its router or body limits) keep their status and get the code that status means.
    public init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let failure as CallFailure:
            self.init(failure)
        case let error as HTTPError:
            self.init(error.status, Self.code(for: error.status), error.body ?? Self.defaultMessage(for: error.status))
            headers = error.headers
        default:
            self.init(.internalServerError, .internalError, "the node could not answer this request: \(error)")
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The error as a response.
    public func response() -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody())))
    }

    /// `{"error": CODE, "message": WHY}`.
    public func jsonBody() -> Data {
        (try? JSONEncoder.sortingKeys.encode(Body(error: code, message: message))) ?? Data(#"{"error":"internalError","message":""}"#.utf8)
    }

    /// The wire form; `PelotonClient` and tests decode it.
    public struct Body: Codable, Sendable, Equatable {
        public let error: Code
        public let message: String
    }

    static func code(for status: HTTPResponse.Status) -> Code {
        switch status.code {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotAllowed
        case 406: .notAcceptable
        case 408: .requestTimeout
        case 409: .conflict
        case 413: .payloadTooLarge
        case 426: .upgradeRequired
        case 431: .headersTooLarge
        case 503: .unavailable
        case 504: .deadlineExceeded
        case 505: .versionNotSupported
        default: status.code < 500 ? .badRequest : .internalError
        }
    }

    private static func defaultMessage(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "no such endpoint; GET /openapi.json lists them"
        case 405: "this endpoint does not take that method; GET /openapi.json lists them"
        default: status.reasonPhrase
        }
    }
}

extension JSONEncoder {
    static let sortingKeys: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
