import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import PelotonWire

/// A few state machines wired by hand: tests deliver exactly the messages they choose. Every
/// node has a real key and a certificate from one authority, and tests sign the claims they
/// deliver with the key of whoever has the right to make them (`Cluster.signed`).
struct Cluster {
    var nodes: [Membership]
    var now = Instant(nanoseconds: 0)

    static let nodeCount = 64
    static let authority = Authority(keyPair: keyPair(seed: 0xA0))
    static let identities: [NodeIdentity] = (0..<nodeCount).map { NodeIdentity(keyPair: keyPair(seed: UInt8($0))) }
    static let indexByID: [NodeID: Int] = Dictionary(uniqueKeysWithValues: identities.enumerated().map { ($1.nodeID, $0) })
    static let credentials: [[UInt8]] = identities.enumerated().map { index, identity in
        (try? authority.issueCertificate(for: identity.publicKey, name: "node-\(index)", notAfter: .max).wireBytes) ?? []
    }

    static func id(_ index: Int) -> NodeID { identities[index].nodeID }
    static func address(_ index: Int) -> NodeAddress { try! NodeAddress(host: "node-\(index)", port: 7946) }
    /// What node `index` announces: its certificate and nothing else.
    static func metadata(_ index: Int) -> MemberMetadata { try! MemberMetadata(credential: credentials[index]) }

    /// `update` signed by whoever has the right to make it, when that is a cluster node.
    static func signed(_ update: MembershipUpdate) -> SignedClaim {
        SignedClaim(signing: update, as: identities[indexByID[update.signer]!])
    }

    static func alive(_ index: Int, incarnation: UInt64 = 0, metadata: MemberMetadata? = nil) -> SignedClaim {
        signed(.alive(id: id(index), incarnation: incarnation, address: address(index), metadata: metadata ?? Self.metadata(index)))
    }

    static func membership(_ index: Int, settings: MembershipSettings = MembershipSettings(), random: SeededRandom, seeds: [NodeAddress] = []) -> Membership {
        Membership(
            identity: identities[index], authority: authority.publicKey, address: address(index), metadata: metadata(index),
            seeds: seeds, settings: settings, random: random, now: .zero)
    }

    /// `count` nodes that already know each other as alive at incarnation 0.
    init(count: Int, settings: MembershipSettings = MembershipSettings(), seed: UInt64 = 1) {
        var random = SeededRandom(seed: seed)
        nodes = (0..<count).map { index in Self.membership(index, settings: settings, random: random.split()) }
        for index in 0..<count {
            for other in 0..<count where other != index {
                var effects: [MembershipEffect] = []
                nodes[index].apply(Self.alive(other), at: .zero, into: &effects)
            }
        }
    }

    func index(of address: NodeAddress) -> Int? { (0..<nodes.count).first { Self.address($0) == address } }

    private static func keyPair(seed: UInt8) -> SigningKeyPair {
        try! SigningKeyPair(seedBytes: [UInt8](repeating: seed, count: SigningKeyPair.seedByteCount))
    }
}

extension [MembershipEffect] {
    var sends: [(MembershipMessage, NodeAddress)] {
        compactMap { if case let .send(message, to) = $0 { (message, to) } else { nil } }
    }

    var events: [MembershipEvent] {
        compactMap { if case let .event(event) = $0 { event } else { nil } }
    }

    var rejections: [ClaimRejection] {
        compactMap { if case let .rejectedClaim(_, rejection) = $0 { rejection } else { nil } }
    }
}
