import PelotonCore
import PelotonCrypto
@testable import PelotonMembership

/// A few state machines wired by hand: tests deliver exactly the messages they choose.
struct Cluster {
    var nodes: [Membership]
    var now = Instant(nanoseconds: 0)

    static func id(_ index: Int) -> NodeID { NodeID(high: UInt64(index + 1), low: 0xABCD) }
    static func address(_ index: Int) -> NodeAddress { try! NodeAddress(host: "node-\(index)", port: 7946) }

    /// `count` nodes that already know each other as alive at incarnation 0.
    init(count: Int, settings: MembershipSettings = MembershipSettings(), seed: UInt64 = 1) {
        var random = SeededRandom(seed: seed)
        nodes = (0..<count).map { index in
            Membership(id: Self.id(index), address: Self.address(index), settings: settings, random: random.split(), now: .zero)
        }
        for index in 0..<count {
            for other in 0..<count where other != index {
                var effects: [MembershipEffect] = []
                nodes[index].apply(.alive(id: Self.id(other), incarnation: 0, address: Self.address(other), metadata: .empty), at: .zero, into: &effects)
            }
        }
    }

    func index(of address: NodeAddress) -> Int? { (0..<nodes.count).first { Self.address($0) == address } }
}

extension [MembershipEffect] {
    var sends: [(MembershipMessage, NodeAddress)] {
        compactMap { if case let .send(message, to) = $0 { (message, to) } else { nil } }
    }

    var events: [MembershipEvent] {
        compactMap { if case let .event(event) = $0 { event } else { nil } }
    }
}
