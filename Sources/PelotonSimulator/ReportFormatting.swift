import Foundation

/// Numbers for reports and benches: whole numbers from 100 up, two decimals below.
public func format(_ value: Double) -> String {
    String(format: value >= 100 ? "%.0f" : "%.2f", value)
}

/// Right-aligns `value` in a column `width` characters wide.
public func pad(_ value: Any, _ width: Int) -> String {
    let text = "\(value)"
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

/// One line of progress for a long run: `label [██████░░░░] 60%  detail`, `width` cells wide.
public func progressLine(_ label: String, fraction: Double, detail: String, width: Int = 24) -> String {
    let done = min(1, max(0, fraction.isFinite ? fraction : 0))
    let filled = Int((done * Double(width)).rounded(.down))
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    return "\(label) [\(bar)] \(pad(Int((done * 100).rounded(.down)), 3))%  \(detail)"
}
