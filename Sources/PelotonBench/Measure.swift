import Foundation
import PelotonCore
import PelotonSimulator

/// A small timing harness: runs a body in rounds and reports the median rate, with the
/// spread across rounds so a noisy machine shows up as a wide range, not a wrong number.
struct Measurement {
    let name: String
    let ratesPerSecond: [Double]

    var median: Double { ratesPerSecond.sorted()[ratesPerSecond.count / 2] }
    var spread: (low: Double, high: Double) { (ratesPerSecond.min() ?? 0, ratesPerSecond.max() ?? 0) }
}

/// Calls `body` `iterations` times per round, `rounds` times, after one warm-up round.
func measure(_ name: String, iterations: Int, rounds: Int = 5, _ body: () throws -> Void) rethrows -> Measurement {
    let clock = ContinuousClock()
    for _ in 0..<max(1, iterations / 10) { try body() }
    var rates: [Double] = []
    for _ in 0..<rounds {
        let elapsed = try clock.measure {
            for _ in 0..<iterations { try body() }
        }
        rates.append(Double(iterations) / max(elapsed.secondsDouble, 1e-9))
    }
    return Measurement(name: name, ratesPerSecond: rates)
}

/// Measures two bodies in alternating rounds, so drift in clock speed or load hits both alike
/// and their ratio means something on a noisy machine.
func measureInterleaved(
    _ first: (name: String, iterations: Int, body: () throws -> Void),
    _ second: (name: String, iterations: Int, body: () throws -> Void),
    rounds: Int = 7
) throws -> (Measurement, Measurement) {
    var firstRates: [Double] = []
    var secondRates: [Double] = []
    for _ in 0..<rounds {
        firstRates += try measure(first.name, iterations: first.iterations, rounds: 1, first.body).ratesPerSecond
        secondRates += try measure(second.name, iterations: second.iterations, rounds: 1, second.body).ratesPerSecond
    }
    return (Measurement(name: first.name, ratesPerSecond: firstRates), Measurement(name: second.name, ratesPerSecond: secondRates))
}

/// Prints aligned rows: name, median, range, unit.
func report(_ measurements: [(Measurement, unit: String, scale: Double)]) {
    let width = measurements.map(\.0.name.count).max() ?? 0
    for (measurement, unit, scale) in measurements {
        let median = measurement.median * scale
        let (low, high) = measurement.spread
        let padded = measurement.name.padding(toLength: width, withPad: " ", startingAt: 0)
        print("  \(padded)  \(format(median)) \(unit)  (rounds \(format(low * scale))–\(format(high * scale)))")
    }
}

