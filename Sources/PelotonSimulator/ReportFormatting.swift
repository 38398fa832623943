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
