import Foundation
import PelotonCore
import PelotonExamples
import PelotonServices
import PelotonSimulator
import PelotonWire

/// `Tools/bench services`: what a call costs inside one process, without HTTP or sockets: the
/// typed handler (JSON in and out), the request's wire form, and request ids.
func runServicesBench() async throws {
    let host = try ServiceHost(services: [try EchoService.definition()], clock: { Instant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
    let body = Array(#"{"text":"hello"}"#.utf8)
    print("services, in one process (calls per second, median of 5 rounds)")
    let clock = ContinuousClock()
    for (name, formats) in [("echo.upper as JSON", [String]()), ("echo.upper as text", [MediaType.text]), ("echo.upper as HTML (Mustache)", [MediaType.html])] {
        var rates: [Double] = []
        for _ in 0..<5 {
            let iterations = 20_000
            let started = clock.now
            for _ in 0..<iterations {
                _ = await host.handle(CallRequest(service: "echo", method: "upper", body: body, formats: formats, budgetMilliseconds: 5_000))
            }
            rates.append(Double(iterations) / (clock.now - started).secondsDouble)
        }
        print("    \(name): \(format(rates.sorted()[2])) (\(format(1e6 / rates.sorted()[2])) µs each)")
    }
    let request = CallRequest(service: "echo", method: "upper", key: "user-17", body: body, budgetMilliseconds: 5_000)
    let wire = request.wireBytes
    let encode = measure("CallRequest encode", iterations: 100_000) { _ = request.wireBytes }
    let decode = try measure("CallRequest decode", iterations: 100_000) { _ = try CallRequest(wireBytes: wire) }
    let ids = measure("RequestID.random()", iterations: 100_000) { _ = RequestID.random() }
    for result in [encode, decode, ids] {
        print("    \(result.name): \(format(result.median / 1e6)) million per second")
    }
}
