import Hummingbird
import Mustache
import NIOCore

/// The management dashboard on every node: `GET /` is the page, `GET /dashboard/sections` its
/// live part, which the page fetches every two seconds; recent events arrive over the event
/// stream. Rendered here from `DashboardView`, so the page reads well with scripts off too.
enum DashboardEndpoint {
    /// The templates, parsed once. They are constants of this binary: a test parses them, so
    /// a failure here is a build that should not have shipped, answered with a clear 500.
    static let templates: Result<MustacheLibrary, any Error> = Result {
        var library = MustacheLibrary()
        try library.register(DashboardTemplates.sections, named: "sections")
        try library.register(DashboardTemplates.page, named: "page")
        return library
    }

    static func register(on router: Router<PelotonRequestContext>, node: MeshNode) {
        router.get("/") { _, _ in try await render("page", for: node) }
        router.get("/dashboard/sections") { _, _ in try await render("sections", for: node) }
    }

    static func render(_ template: String, for node: MeshNode) async throws -> Response {
        let html = try render(template, await node.dashboardView())
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// One template with a view; what the tests render without a node.
    static func render(_ template: String, _ view: DashboardView) throws -> String {
        guard let html = try templates.get().render(view, withTemplate: template) else {
            throw APIError(.internalServerError, .internalError, "the dashboard has no template \(template)")
        }
        return html
    }
}
