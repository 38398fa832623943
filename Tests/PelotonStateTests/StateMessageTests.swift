import PelotonCore
import PelotonCrypto
import PelotonWire
import Testing
@testable import PelotonState

@Suite struct StateMessageTests {
    static let alice = NodeID(high: 1, low: 0)

    static func key(_ kind: StateKind, _ name: String) -> StateKey {
        // Test names are valid by construction.
        (try? StateKey(kind: kind, name: name)) ?? { fatalError("bad test key") }()
    }

    static func requests() -> [StateRequest] {
        var set = StateValue.empty(.set)
        _ = try? set.apply(.insert(["a", "b"]), at: alice, nowMilliseconds: 1)
        let operations: [StateOperation] = [
            .increment(3), .add(-4), .assign("v"), .insert(["x", "y"]), .remove(["x"]), .enable, .disable,
            .updateField("f", .add(2)), .updateField("f", .assign("s")), .updateField("f", .insert("e")),
            .updateField("f", .remove("e")), .updateField("f", .enable), .updateField("f", .disable),
            .removeField(MapField("f", .set)),
        ]
        return operations.map { .write(key(.map, "k"), $0, .quorum) } + [
            .merge([key(.set, "s"): set, key(.counter, "c"): .empty(.counter)]),
            .read(key(.flag, "f"), .all),
            .digest(sender: alice, [DigestEntry(key: key(.set, "s"), hash: 42)]),
        ]
    }

    static func responses() -> [StateResponse] {
        var set = StateValue.empty(.set)
        _ = try? set.apply(.insert(["a"]), at: alice, nowMilliseconds: 1)
        return [
            .written(set, acknowledged: 2, owners: 3), .merged, .value(nil), .value(set),
            .answer(DigestAnswer(states: [key(.set, "s"): set], wanted: [key(.counter, "c")])),
        ]
    }

    @Test func everyMessageRoundTrips() throws {
        for request in Self.requests() { #expect(try StateRequest(wireBytes: request.wireBytes) == request) }
        for response in Self.responses() { #expect(try StateResponse(wireBytes: response.wireBytes) == response) }
    }

    @Test func anEncodedRequestIsNamedByItsTagWithoutDecoding() throws {
        let replicate = StateRequest.replicate(write: WriteID(high: 1, low: 2), key: Self.key(.counter, "c"), delta: .empty(.counter))
        let names = (Self.requests() + [replicate]).map { StateRequest.name(ofWire: $0.wireBytes) }
        #expect(Set(names) == ["state write", "state merge", "state read", "state digest", "state replicate"])
        #expect(StateRequest.name(ofWire: [StateRequest.version, 99]) == "state ?")
        #expect(StateRequest.name(ofWire: [StateRequest.version]) == "state ?")
    }

    @Test func everyTruncationIsRefused() {
        for request in Self.requests() {
            let bytes = request.wireBytes
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try StateRequest(wireBytes: bytes.prefix(length)) }
            }
        }
        for response in Self.responses() {
            let bytes = response.wireBytes
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try StateResponse(wireBytes: bytes.prefix(length)) }
            }
        }
    }

    @Test func mutatedInputNeverTraps() {
        var random = SeededRandom(seed: 11)
        let samples = Self.requests().map(\.wireBytes) + Self.responses().map(\.wireBytes)
        for _ in 0..<20_000 {
            guard var bytes = samples.randomElement(using: &random) else { continue }
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            _ = try? StateRequest(wireBytes: bytes)
            _ = try? StateResponse(wireBytes: bytes)
        }
    }

    @Test func invalidKeysAndMismatchedKindsAreRefused() {
        #expect(throws: StateError.self) { try StateKey(kind: .set, name: "") }
        #expect(throws: StateError.self) { try StateKey(kind: .set, name: String(repeating: "x", count: 257)) }
        #expect(throws: StateError.self) { try StateKey(kind: .set, name: "a\u{0}b") }
        #expect(throws: StateError.self) { try StateKey(kind: .set, name: "a/b") }
        var writer = WireWriter()
        writer.writeUInt8(StateRequest.version)
        writer.writeUInt8(2)
        writer.writeCount(1)
        writer.writeKey(Self.key(.set, "s"))
        StateValue.empty(.flag).encode(to: &writer)
        #expect(throws: WireError.self) { try StateRequest(wireBytes: writer.bytes) }
    }
}
