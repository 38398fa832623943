import PelotonCore
import PelotonWire
import Testing

@Suite struct TraceContextTests {
    static let example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func theW3CExampleParsesAndPrintsBack() throws {
        let context = try #require(TraceContext(traceparent: Self.example, tracestate: "congo=t61rcWkgMzE"))
        #expect(context.traceIDHex == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.spanIDHex == "00f067aa0ba902b7")
        #expect(context.isSampled && context.state == "congo=t61rcWkgMzE")
        #expect(context.traceparent == Self.example)
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.isSampled == false)
    }

    @Test func whatW3CSaysToIgnoreIsIgnored() {
        let refused = [
            "", "00", Self.example.uppercased(), Self.example + "-", Self.example + "x", String(Self.example.dropLast()),
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff is invalid
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero span id
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
            "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\u{e9}",
        ]
        for header in refused {
            #expect(TraceContext(traceparent: header) == nil, "\(header) was taken")
        }
        // A later version is read by its version-00 prefix, whatever follows a dash.
        #expect(TraceContext(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds")?.spanIDHex == "00f067aa0ba902b7")
        #expect(TraceContext(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x") == nil)
    }

    @Test func aBadTraceStateIsDroppedAndTheParentKept() {
        for state in [String(repeating: "a", count: TraceContext.maxStateBytes + 1), "k=v\u{0}", "k=\u{e9}", "k=v\n"] {
            let context = TraceContext(traceparent: Self.example, tracestate: state)
            #expect(context?.traceIDHex == "4bf92f3577b34da6a3ce929d0e0e4736" && context?.state == "")
        }
        #expect(TraceContext(traceparent: Self.example, tracestate: String(repeating: "a", count: TraceContext.maxStateBytes))?.state.count == 512)
    }

    @Test func anyValidContextRoundTripsThroughTextAndWire() throws {
        var random = SeededRandom(seed: 20)
        for _ in 0..<2_000 {
            let traceID = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let spanID = (0..<8).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let state = String(repeating: "k=v,", count: Int.random(in: 0...20, using: &random))
            guard let context = TraceContext(traceID: traceID, spanID: spanID, flags: UInt8(truncatingIfNeeded: random.next()), state: state) else {
                #expect(traceID.allSatisfy { $0 == 0 } || spanID.allSatisfy { $0 == 0 })
                continue
            }
            #expect(TraceContext(traceparent: context.traceparent, tracestate: context.state) == context)
            #expect(try TraceContext(wireBytes: context.wireBytes) == context)
        }
    }

    @Test func hostileWireBytesAreRefused() throws {
        let context = try #require(TraceContext(traceparent: Self.example, tracestate: "k=v"))
        let bytes = context.wireBytes
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try TraceContext(wireBytes: bytes.prefix(length)) }
        }
        var zeros = bytes
        for index in 0..<16 { zeros[index] = 0 }
        #expect(throws: WireError.self) { try TraceContext(wireBytes: zeros) }
        var control = bytes
        control[control.count - 1] = 0x07
        #expect(throws: WireError.self) { try TraceContext(wireBytes: control) }
        var random = SeededRandom(seed: 21)
        for _ in 0..<10_000 {
            var mutated = bytes
            mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8(truncatingIfNeeded: random.next())
            _ = try? TraceContext(wireBytes: mutated)
        }
    }
}
