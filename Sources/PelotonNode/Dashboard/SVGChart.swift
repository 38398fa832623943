import Foundation
import PelotonServices

/// A small line chart as inline SVG, drawn on the server: the dashboard stays one page with no
/// script library and nothing fetched.
enum SVGChart {
    struct Line: Sendable {
        let name: String
        let color: String
        let points: [Double?]
    }

    static let width = 360
    static let height = 160
    private static let left = 44.0
    private static let right = 8.0
    private static let top = 44.0
    private static let bottom = 18.0

    /// `title` over lines scaled to the largest point (a round number), `unit` on the scale,
    /// the window's start and end under it. A nil point breaks its line.
    static func render(title: String, unit: String, lines: [Line], span: String = "15 min") -> String {
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        let largest = lines.flatMap { $0.points.compactMap { $0 } }.max() ?? 0
        let scale = roundUp(largest)
        var svg = #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" width="\#(width)" height="\#(height)" role="img" aria-label="\#(escape(title))">"#
        svg += #"<text x="4" y="13" class="chart-title">\#(escape(title))</text>"#
        var legendX = 4.0
        for line in lines {
            svg += #"<rect x="\#(legendX)" y="21" width="8" height="8" fill="\#(line.color)"/><text x="\#(legendX + 11)" y="29" class="chart-legend">\#(escape(line.name))</text>"#
            legendX += 16 + Double(line.name.count) * 6.2
        }
        let bottomY = top + plotHeight
        svg += #"<line x1="\#(left)" y1="\#(bottomY)" x2="\#(left + plotWidth)" y2="\#(bottomY)" class="chart-axis"/>"#
        svg += #"<line x1="\#(left)" y1="\#(top)" x2="\#(left + plotWidth)" y2="\#(top)" class="chart-grid"/>"#
        svg += #"<text x="\#(left - 4)" y="\#(top + 4)" text-anchor="end" class="chart-scale">\#(number(scale))\#(escape(unit))</text>"#
        svg += #"<text x="\#(left - 4)" y="\#(bottomY + 4)" text-anchor="end" class="chart-scale">0</text>"#
        svg += #"<text x="\#(left)" y="\#(Double(height) - 3)" class="chart-scale">−\#(span)</text>"#
        svg += #"<text x="\#(left + plotWidth)" y="\#(Double(height) - 3)" text-anchor="end" class="chart-scale">now</text>"#
        for line in lines {
            let count = max(line.points.count - 1, 1)
            var segment: [String] = []
            func flush() {
                if segment.count == 1 { segment.append(segment[0]) }
                if !segment.isEmpty {
                    svg += #"<polyline fill="none" stroke="\#(line.color)" stroke-width="1.6" points="\#(segment.joined(separator: " "))"/>"#
                }
                segment = []
            }
            for (position, point) in line.points.enumerated() {
                guard let point else {
                    flush()
                    continue
                }
                let x = left + plotWidth * Double(position) / Double(count)
                let y = bottomY - (scale > 0 ? plotHeight * point / scale : 0)
                segment.append("\(coordinate(x)),\(coordinate(y))")
            }
            flush()
        }
        return svg + "</svg>"
    }

    /// The smallest of 1, 2 or 5 times a power of ten at or above `value` (1 when 0).
    static func roundUp(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 5.0, 10.0] where step * power >= value { return step * power }
        return 10 * power
    }

    /// 1.2k, 3.4M: a scale label that fits beside the chart.
    static func number(_ value: Double) -> String {
        switch value {
        case 1_000_000...: String(format: "%gM", value / 1_000_000)
        case 1_000...: String(format: "%gk", value / 1_000)
        default: String(format: "%g", value)
        }
    }

    private static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }
}
