import Foundation
import PelotonSimulator

/// A progress line on standard error for commands that run long, redrawn in place and at most
/// ten times a second. Only on a terminal: piped or logged output stays free of it.
final class ProgressOutput {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDrawn = ContinuousClock.now - .seconds(1)
    private var drawn = false

    init(_ label: String) { self.label = label }

    func update(fraction: Double, detail: String) {
        draw(progressLine(label, fraction: fraction, detail: detail))
    }

    /// For work of unknown length: the label and how it stands, no bar.
    func update(status: String) {
        draw("\(label)  \(status)")
    }

    private func draw(_ line: String) {
        guard isTerminal, ContinuousClock.now - lastDrawn >= .milliseconds(100) else { return }
        lastDrawn = .now
        drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    /// Clears the line, so what the command prints next starts clean.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
