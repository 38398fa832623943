import Foundation
import Hummingbird

/// The API's paths and their methods, read from the OpenAPI document the node serves, so the
/// document and the answers to wrong methods cannot drift apart.
struct APIRoutes: Sendable {
    /// A path template split at `/`; nil stands for a `{parameter}`.
    struct Route: Sendable {
        let segments: [String?]
        let methods: Set<String>
    }

    let routes: [Route]

    static let documented = APIRoutes(openAPI: OpenAPIDocument.json)

    init(openAPI document: String) {
        let object = (try? JSONSerialization.jsonObject(with: Data(document.utf8))) as? [String: Any]
        let paths = object?["paths"] as? [String: Any] ?? [:]
        routes = paths.map { path, item in
            let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment -> String? in
                segment.hasPrefix("{") ? nil : String(segment)
            }
            let methods = Set(((item as? [String: Any]) ?? [:]).keys.map { $0.uppercased() }.filter { Self.httpMethods.contains($0) })
            return Route(segments: Array(segments), methods: methods)
        }
    }

    private static let httpMethods: Set<String> = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]

    /// The methods a path takes, or nil when the API has no such path.
    func methods(forPath path: String) -> Set<String>? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var found: Set<String>?
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, given in
                template.map { $0 == given } ?? !given.isEmpty
            }
            if matches { found = (found ?? []).union(route.methods) }
        }
        return found
    }

    /// A 404 from the router becomes 405 when the path exists with other methods, and every
    /// 405 names them in `Allow`.
    func refined(_ error: APIError, for request: Request) -> APIError {
        let refusedMethod = error.status == .methodNotAllowed || (error.status == .notFound && error.code == .notFound)
        guard refusedMethod, let methods = methods(forPath: request.uri.path), !methods.contains(request.method.rawValue) else { return error }
        var refined =
            error.status == .methodNotAllowed
            ? error
            : APIError(.methodNotAllowed, .methodNotAllowed, "\(request.uri.path) takes \(methods.sorted().joined(separator: ", ")), not \(request.method.rawValue)")
        refined.headers[.allow] = methods.sorted().joined(separator: ", ")
        return refined
    }
}
