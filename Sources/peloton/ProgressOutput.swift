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
        guard isTerminal, ContinuousClock.now - lastDrawn >= .milliseconds(100) else { return }
        lastDrawn = .now
        drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + progressLine(label, fraction: fraction, detail: detail)).utf8))
    }

    /// Clears the line, so what the command prints next starts clean.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
