import Foundation
import Hummingbird

/// The API's paths and their methods, read from the OpenAPI document the node serves, so the
/// document and the answers to wrong methods cannot drift apart.
struct APIRoutes: Sendable {
    /// A path template split at `/`; nil stands for a `{parameter}`.
    struct Route: Sendable {
        /// As the document writes it, e.g. `/v1/state/counter/{key}`.
        let template: String
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
            return Route(template: path, segments: Array(segments), methods: methods)
        }
    }

    private static let httpMethods: Set<String> = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]

    /// The methods a path takes, or nil when the API has no such path.
    func methods(forPath path: String) -> Set<String>? {
        var found: Set<String>?
        for route in matching(path) { found = (found ?? []).union(route.methods) }
        return found
    }

    /// The documented template of `path` for `method` (a span's name: low in cardinality,
    /// unlike the path), or nil when the API has no such route.
    func template(forPath path: String, method: String) -> String? {
        let routes = matching(path).filter { $0.methods.contains(method) }
        // A literal segment is more specific than a parameter: `/v1/jobs/{id}` vs `/v1/jobs/run`.
        return routes.max { $0.segments.count(where: { $0 != nil }) < $1.segments.count(where: { $0 != nil }) }?.template
    }

    private func matching(_ path: String) -> [Route] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { template, given in template.map { $0 == given } ?? !given.isEmpty }
        }
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
