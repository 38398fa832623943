import Foundation

/// A dependency-free SVG chart of a run: the share of running nodes with the right view, and
/// datagram bytes per second, against simulated time, with deaths and suspicions as ticks.
extension SimulationReport {
    public var svgChart: String {
        let width = 900.0, height = 320.0, left = 60.0, right = 60.0, top = 30.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let seconds = max(1, timeline.count - 1)
        let maxBytes = max(1, timeline.map(\.bytes).max() ?? 1)
        func x(_ second: Int) -> Double { left + plotWidth * Double(second) / Double(seconds) }
        func points(_ value: (TimelineRow) -> Double) -> String {
            timeline.map { row in "\(format(x(row.second))),\(format(top + plotHeight * (1 - value(row))))" }.joined(separator: " ")
        }
        let agreement = points { row in row.running == 0 ? 0 : Double(row.agreeing) / Double(row.running) }
        let traffic = points { row in Double(row.bytes) / Double(maxBytes) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="18" font-size="14">\(escape(description)) — \(nodes) nodes, seed \(seed)</text>
            <rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)" fill="none" stroke="#ccc"/>
            <polyline fill="none" stroke="#e08a00" stroke-width="1" points="\(traffic)"/>
            <polyline fill="none" stroke="#1f6feb" stroke-width="2" points="\(agreement)"/>
            <text x="\(left - 8)" y="\(top + 4)" text-anchor="end" fill="#1f6feb">100%</text>
            <text x="\(left - 8)" y="\(top + plotHeight)" text-anchor="end" fill="#1f6feb">0%</text>
            <text x="\(width - right + 8)" y="\(top + 4)" fill="#e08a00">\(maxBytes / 1000) kB/s</text>
            <text x="\(left)" y="\(height - 12)">0 s</text>
            <text x="\(width - right)" y="\(height - 12)" text-anchor="end">\(seconds) s</text>
            <text x="\(left + plotWidth / 2)" y="\(height - 12)" text-anchor="middle"><tspan fill="#1f6feb">■ nodes with the right view</tspan>  <tspan fill="#e08a00">■ datagram bytes/s</tspan>  <tspan fill="#c62828">| deaths</tspan></text>

            """
        for row in timeline where row.deaths > 0 {
            svg += "<line x1=\"\(format(x(row.second)))\" x2=\"\(format(x(row.second)))\" y1=\"\(top + plotHeight)\" y2=\"\(top + plotHeight - 8)\" stroke=\"#c62828\"/>\n"
        }
        return svg + "</svg>\n"
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
