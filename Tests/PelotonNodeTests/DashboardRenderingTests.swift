@testable import PelotonNode
import Testing

/// The dashboard's templates on their own: they parse, place every part of the view, escape
/// what members and publishers control, and say something useful when a section is empty.
@Suite struct DashboardRenderingTests {
    static func view(
        services: [DashboardView.Service] = [], events: [DashboardView.Event] = [], state: [DashboardView.StateKeyRow] = [], jobs: [DashboardView.JobRow] = []
    ) -> DashboardView {
        let member = DashboardView.Member(
            name: "alpha", id: "00112233445566778899aabbccddeeff", shortID: "00112233", status: "suspect", incarnation: 7,
            address: "127.0.0.1:7946", dashboardURL: "http://127.0.0.1:7980/", httpAddress: "127.0.0.1:7980", age: "12s",
            sharePercent: "100.0%", color: DashboardView.color(0), isLocal: true, isDraining: true, primaryOf: ["echo"], replicaOf: [], keysOwned: 2)
        return DashboardView(
            node: "alpha", nodeID: "00112233", status: "alive", alive: 0, suspect: 1, dead: 0, left: 0, checksum: "abc123", virtualNodes: 128,
            members: [member], ring: [DashboardView.RingSlice(name: "alpha", sharePercent: "100.0%", width: "100.00%", color: DashboardView.color(0))],
            services: services, stateKeys: state, stateKeyCount: state.count + 5, stateKeysNotShown: state.isEmpty ? nil : 5, events: events,
            jobs: jobs, charts: [SVGChart.render(title: "calls <routed>", unit: "/s", lines: [SVGChart.Line(name: "echo", color: "red", points: [1, 2, nil, 4])])],
            updatedAt: "10:00:00 UTC", hasServices: !services.isEmpty, serviceCount: services.count, hasStateKeys: !state.isEmpty,
            hasEvents: !events.isEmpty, hasJobs: !jobs.isEmpty)
    }

    @Test func everyPartOfTheViewIsPlacedAndEscaped() throws {
        let services = [DashboardView.Service(
            name: "echo", versions: "1.0.0, 1.1.0", replicas: 2,
            owners: [DashboardView.Owner(name: "alpha", isFirst: true), DashboardView.Owner(name: "beta", isFirst: false)],
            routedPerSecond: "4.5", servedPerSecond: "2.0")]
        let events = [DashboardView.Event(time: "10:00:00 UTC", topic: "orders.created", origin: "beta", payload: #"{"x":"<img src=x onerror=alert(1)>"}"#)]
        let state = [DashboardView.StateKeyRow(kind: "set", name: "<b>tags</b>", value: #"["red"]"#, owners: "alpha, beta")]
        let jobs = [DashboardView.JobRow(id: "ab12cd34ef", shortID: "ab12cd34", name: "montecarlo", status: "running", percent: "42%", units: "5/12", outcome: "")]
        let html = try DashboardEndpoint.render("page", Self.view(services: services, events: events, state: state, jobs: jobs))
        for expected in [
            "<title>Peloton · alpha</title>", #"<span class="pill suspect">suspect</span>"#, "<td class=\"num\">7</td>", "this node",
            #"<a href="http://127.0.0.1:7980/">alpha</a>"#, "<strong>echo</strong>", "1.0.0, 1.1.0", #"<span class="chip first">alpha</span>"#,
            "4.5", "orders.created", #"<span class="tag drain">draining</span>"#, #"<span style="width: 42%"></span>"#, "5/12", "and 5 more keys not listed", "ring <code>abc123</code>", "<span class=\"n\">1</span> services",
        ] {
            #expect(html.contains(expected), "the page lacks \(expected)")
        }
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;") && !html.contains("<img"))
        #expect(html.contains("&lt;b&gt;tags&lt;/b&gt;") && !html.contains("<b>tags"))
        #expect(!html.contains("No member offers a service"))
        #expect(html.contains(#"<p id="no-events" class="empty" hidden>"#), "with events the hint hides")
        // The page loads nothing from elsewhere (no stylesheet, script or image): it works offline.
        #expect(!html.contains("https://") && !html.contains("<link") && !html.contains("src=\""))
    }

    @Test func emptySectionsSayWhatToDo() throws {
        let sections = try DashboardEndpoint.render("sections", Self.view())
        #expect(sections.contains("No member offers a service"))
        #expect(sections.contains("No state held here"))
        #expect(sections.contains("No jobs yet"))
        #expect(!sections.contains("<title>"), "the sections are only the live part")
        let page = try DashboardEndpoint.render("page", Self.view())
        #expect(page.contains(#"<p id="no-events" class="empty">"#), "with no events the hint shows")
    }

    @Test func agesAndRatesReadAtAGlance() {
        #expect(DashboardView.age(seconds: 5.9) == "5s")
        #expect(DashboardView.age(seconds: 125) == "2m")
        #expect(DashboardView.age(seconds: 7_300) == "2h")
        #expect(DashboardView.age(seconds: 200_000) == "2d")
        #expect(DashboardView.rate(0) == "0" && DashboardView.rate(2.25) == "2.2" && DashboardView.rate(1_234.4) == "1234")
        #expect(DashboardView.preview(String(repeating: "x", count: 200)).count == DashboardView.maxPreviewCharacters)
        // 2026-12-01 06:58:40.5 UTC.
        #expect(DashboardView.clock(millisecondsSince1970: 1_796_108_320_500) == "06:58:40 UTC")
    }
}
