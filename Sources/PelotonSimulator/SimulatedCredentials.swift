import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonWire

/// The simulation's authority and each node's identity and certificate, drawn from the seed:
/// a simulated node announces what a real one does (`MeshNode`'s metadata: its HTTP address,
/// its services, its certificate), so an alive update about it is as large as on real hosts.
struct SimulatedCredentials {
    let authority: Authority

    init(random: inout SeededRandom) {
        authority = Authority(keyPair: Self.keyPair(&random))
    }

    /// Node `index`'s identity and metadata.
    func node(_ index: Int, random: inout SeededRandom) -> (NodeIdentity, MemberMetadata) {
        let identity = NodeIdentity(keyPair: Self.keyPair(&random))
        // A year, as `peloton keygen` issues by default; simulated time starts at the epoch.
        let certificate = try? authority.issueCertificate(for: identity.publicKey, name: "node-\(index)", notAfter: 365 * 24 * 3600)
        let metadata = (try? MemberMetadata(
            httpAddress: "node-\(index):7980", services: [.init(name: "simulated", version: "1.0.0", replicas: 3)],
            credential: certificate?.wireBytes ?? [])) ?? .empty
        return (identity, metadata)
    }

    private static func keyPair(_ random: inout SeededRandom) -> SigningKeyPair {
        var seed: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: random.next().littleEndian) { seed += $0 } }
        // 32 bytes always make a key pair; the fallback is never taken.
        return (try? SigningKeyPair(seedBytes: seed)) ?? SigningKeyPair.generate()
    }
}
