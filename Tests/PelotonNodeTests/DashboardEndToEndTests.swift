import Foundation
import PelotonProcessMesh
import PelotonNode
import Testing

/// The dashboard as a person sees it: served by a real node, loaded in Debian's headless
/// Chromium (through `Tools/headless-browser.py`), updated live, and read back from a
/// screenshot by OCR (tesseract). `Tools/bootstrap` installs both.
@Suite(.serialized) struct DashboardEndToEndTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.timeLimit(.minutes(4))) func theDashboardShowsTheMeshAndFollowsItLive() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        #expect(await mesh.request("POST", "/v1/state/counter/dash-visits/increment", json: #"{"by":2}"#, via: 1)?.status == 200)
        for _ in 0..<3 { _ = await mesh.call("echo", "upper", json: #"{"text":"hi"}"#, via: 0) }
        // A payload that would run as script if the page did not escape it.
        let hostile = #"{"note":"<script>alert(1)</script>"}"#
        #expect(await mesh.request("POST", "/v1/events/dash.before", json: hostile, via: 2)?.status == 202)
        let gossiped = await mesh.waitUntil(seconds: 20) {
            await mesh.request("GET", "/v1/events?pattern=dash.%23", via: 0)?.body.contains("dash.before") == true
        }
        #expect(gossiped)

        // The page itself, rendered by the node: everything there before any script runs.
        guard let page = await mesh.request("GET", "/", via: 0) else {
            Issue.record("node 0 served no dashboard\n\(mesh.logs())")
            return
        }
        #expect(page.status == 200)
        for expected in ["<title>Peloton · r0</title>", ">r1</a>", ">r2</a>", "<strong>echo</strong>", "<strong>counter</strong>", "dash-visits", "dash.before"] {
            #expect(page.body.contains(expected), "the page lacks \(expected)")
        }
        #expect(page.body.components(separatedBy: #"<span class="pill alive">alive</span>"#).count - 1 == 3)
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.body.contains("<script>alert"))
        #expect(await mesh.request("GET", "/dashboard/sections", via: 0)?.body.contains(#"id="members""#) == true)

        // In a browser: the same facts from the DOM, then an event published after the page
        // loaded arrives over the live stream, and a killed member shows up as the page
        // refreshes itself; the screenshot is read back by OCR.
        let work = mesh.directory.appendingPathComponent("browser")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let loaded = work.appendingPathComponent("loaded").path
        let screenshot = work.appendingPathComponent("dashboard.png").path
        let r2Status = "[...document.querySelectorAll('#members tbody tr')].find(r => r.querySelector('a').textContent === 'r2').querySelector('.pill').textContent"
        let plan: [String: Any] = [
            "url": mesh.nodes[0].url + "/", "width": 1400, "height": 1900, "scale": 2,
            "steps": [
                ["eval": "[...document.querySelectorAll('#members .pill')].map(p => p.textContent).join(',')"],
                ["eval": "[...document.querySelectorAll('#services tbody strong')].map(s => s.textContent).join(',')"],
                ["eval": "document.getElementById('event-rows').textContent.includes('dash.live')"],
                ["mark": loaded],
                ["wait": "document.getElementById('event-rows').textContent.includes('dash.live')", "seconds": 20],
                ["wait": "\(r2Status) !== 'alive'", "seconds": 60],
                ["eval": r2Status],
                // The activity charts are drawn, and the members chart has a line already (it
                // includes the step under way).
                ["eval": "[...document.querySelectorAll('#activity svg.chart')].filter(s => s.getBoundingClientRect().width > 200).length"],
                ["eval": "document.querySelectorAll('#activity polyline').length > 0"],
                ["screenshot": screenshot],
            ],
        ]
        let planPath = work.appendingPathComponent("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planPath)
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        browser.arguments = ["python3", Self.packageRoot.appendingPathComponent("Tools/headless-browser.py").path, planPath.path]
        let output = Pipe(), errors = Pipe()
        browser.standardOutput = output
        browser.standardError = errors
        try browser.run()
        // Only once the page has loaded: what happens now can reach it only live.
        let ready = await mesh.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: loaded) || !browser.isRunning }
        #expect(ready && browser.isRunning, "the browser did not load the page")
        #expect(await mesh.request("POST", "/v1/events/dash.live", json: #"{"live":true}"#, via: 1)?.status == 202)
        mesh.kill(2)
        let finished = await mesh.waitUntil(seconds: 120) { !browser.isRunning }
        if !finished { browser.terminate() }
        let reported = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard finished, browser.terminationStatus == 0,
              let results = try JSONSerialization.jsonObject(with: Data(reported.utf8)) as? [Any], results.count == 10
        else {
            Issue.record("the browser run failed: \(complaint)\(reported)")
            return
        }
        #expect(results[0] as? String == "alive,alive,alive")
        #expect(results[1] as? String == "counter,echo")
        #expect(results[2] as? Bool == false, "dash.live was on the page before it was published")
        #expect(results[4] as? Bool == true, "the event published after loading never appeared")
        #expect(results[5] as? Bool == true, "the page never showed the killed member as anything but alive")
        #expect(["suspect", "dead"].contains(results[6] as? String ?? ""))
        #expect(results[7] as? Int == 6, "the six activity charts are not all drawn")
        #expect(results[8] as? Bool == true, "the members chart has no line")

        let ocr = Process()
        ocr.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ocr.arguments = ["tesseract", screenshot, "-"]
        let text = Pipe()
        ocr.standardOutput = text
        ocr.standardError = FileHandle.nullDevice
        try ocr.run()
        let seen = String(decoding: text.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ocr.waitUntilExit()
        for word in ["Activity", "Members", "Ring", "Services", "State", "Events", "echo", "counter", "dash-visits"] {
            #expect(seen.contains(word), "the screenshot does not show \(word); OCR read:\n\(seen)")
        }
    }

    @Test(.timeLimit(.minutes(2))) func anOpenEventStreamDoesNotHoldUpAGracefulStop() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("g0")
        let up = await mesh.waitUntil(seconds: 30) { await mesh.health(of: 0)?.status == "ok" }
        #expect(up)
        let subscriber = Process()
        subscriber.executableURL = URL(fileURLWithPath: mesh.binary)
        subscriber.arguments = ["subscribe", "#", "--node", mesh.nodes[0].url]
        subscriber.standardOutput = FileHandle.nullDevice
        subscriber.standardError = FileHandle.nullDevice
        try subscriber.run()
        defer { if subscriber.isRunning { subscriber.terminate() } }
        let subscribed = await mesh.waitUntil(seconds: 10) { await mesh.health(of: 0)?.eventSubscribers == 1 }
        #expect(subscribed)
        // Before the fix the node left the mesh, then waited for the stream forever.
        mesh.kill(0, signal: SIGTERM, wait: false)
        let stopped = await mesh.waitUntil(seconds: 15) { !mesh.isRunning(0) }
        #expect(stopped, "the node did not stop with a subscriber connected\n\(mesh.logs())")
        let subscriberEnded = await mesh.waitUntil(seconds: 5) { !subscriber.isRunning }
        #expect(subscriberEnded)
    }
}
