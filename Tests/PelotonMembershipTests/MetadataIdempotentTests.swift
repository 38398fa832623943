import PelotonMembership
import PelotonWire
import Testing

@Suite struct MetadataIdempotentTests {
    @Test func aServiceSaysInItsMetadataWhetherItIsIdempotent() throws {
        let metadata = try MemberMetadata(
            httpAddress: "127.0.0.1:7980",
            services: [.init(name: "echo", version: "1.0.0", replicas: 2, idempotent: true), .init(name: "counter", version: "1.0.0", replicas: 16)],
            credential: [])
        let decoded = try MemberMetadata(wireBytes: metadata.wireBytes)
        #expect(decoded.services.map(\.idempotent) == [true, false])
        #expect(decoded.services.map(\.replicas) == [2, 16])
    }
}
