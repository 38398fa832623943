import Foundation
import PelotonCore
import PelotonCrypto

/// SWIM membership with Lifeguard, as a pure state machine: no sockets, clocks, threads or
/// global randomness. A shell feeds it messages (`receive`) and wakes it at `nextDeadline`
/// (`tick`); it answers with effects. The runtime and the simulator drive this same code.
public struct Membership: Sendable {
    public let settings: MembershipSettings
    public let localID: NodeID
    /// Signs the claims this node makes: its own alive and departure, its accusations.
    let identity: NodeIdentity
    public let localAddress: NodeAddress
    public internal(set) var incarnation: UInt64
    public internal(set) var metadata: MemberMetadata
    public internal(set) var isLeaving = false
    /// Lifeguard's local health score, 0 (healthy) up to `awarenessMaxMultiplier - 1`; probe
    /// interval and timeout are multiplied by score + 1.
    public internal(set) var localHealth = 0
    public internal(set) var counters = MembershipCounters()
    /// The certificates claims are checked against; the runtime's envelope gate reads its keys.
    public internal(set) var credentials: CredentialBook
    /// Unix seconds at `Instant.zero`, so certificates are checked for expiry on the shell's clock.
    let unixTimeAtZero: Int64
    /// This node's latest claim about itself (alive, or left when leaving), and its latest
    /// alive claim with metadata (the same one unless a refutation left metadata out).
    var selfClaim: SignedClaim
    var selfMetadataClaim: SignedClaim

    /// Every other member this node knows of, in any status.
    public internal(set) var members = MemberTable()
    /// Alive or suspect members (not counting this node).
    public internal(set) var activeCount = 0
    /// Members that left gracefully (kept until reaped); with `activeCount` gives the dead count.
    var leftCount = 0

    var random: SeededRandom
    var queue = DisseminationQueue()
    var probeOrder: [NodeID] = []
    var probeCursor = 0
    var probe: Probe?
    var relays: [UInt32: Relay] = [:]
    var suspicions: [NodeID: Suspicion] = [:]
    var sequence: UInt32 = 0

    let seeds: [NodeAddress]
    var nextProbeAt: Instant
    var nextGossipAt: Instant
    var nextPushPullAt: Instant
    var nextReconnectAt: Instant
    var nextJoinAttemptAt: Instant?
    var joinBackoff: Duration

    struct Probe: Sendable {
        let target: NodeID
        let sequence: UInt32
        let directDeadline: Instant
        let periodDeadline: Instant
        var indirectSent = false
        var expectedNacks = 0
        var nacks = 0
    }

    /// A ping this node sends on behalf of another member's ping request.
    struct Relay: Sendable {
        let requester: NodeAddress
        let requesterSequence: UInt32
        let nackAt: Instant
        let expiresAt: Instant
        var nackSent = false
    }

    /// A node that starts alone (no seeds) or joins through `seeds`, believing claims signed by
    /// members certified by `authority`. `metadata` carries this node's own certificate.
    /// `incarnation` lets a restarted node continue above what it used before, when it
    /// persisted it.
    public init(
        identity: NodeIdentity, authority: PublicKey, address: NodeAddress, metadata: MemberMetadata, seeds: [NodeAddress] = [],
        settings: MembershipSettings = MembershipSettings(), incarnation: UInt64 = 0, unixTimeAtZero: Int64 = 0,
        signatureCheck: any SignatureCheck = Ed25519SignatureCheck(), random: SeededRandom, now: Instant
    ) {
        self.settings = settings
        localID = identity.nodeID
        self.identity = identity
        localAddress = address
        credentials = CredentialBook(authority: authority, signatureCheck: signatureCheck)
        self.unixTimeAtZero = unixTimeAtZero
        let alive = SignedClaim(signing: .alive(id: identity.nodeID, incarnation: incarnation, address: address, metadata: metadata), as: identity)
        selfClaim = alive
        selfMetadataClaim = alive
        self.metadata = metadata
        self.incarnation = incarnation
        self.seeds = seeds.filter { $0 != address }
        self.random = random
        // Start timers at random offsets so nodes started together do not tick in lockstep.
        nextProbeAt = now + settings.probeInterval.scaled(by: self.random.unit())
        nextGossipAt = now + settings.gossipInterval.scaled(by: self.random.unit())
        nextPushPullAt = now + settings.pushPullInterval.scaled(by: self.random.unit())
        nextReconnectAt = now + settings.reconnectInterval.scaled(by: 0.5 + self.random.unit())
        joinBackoff = settings.joinRetryInitial
        nextJoinAttemptAt = self.seeds.isEmpty ? nil : now
        queue.enqueue(alive)
    }

    // MARK: - Queries

    /// The shell's wall clock at `now`, for certificate expiry.
    func unixTime(at now: Instant) -> UInt64 { UInt64(max(0, unixTimeAtZero &+ Int64(now.seconds))) }

    /// A claim this node makes, signed with its key.
    func signed(_ update: MembershipUpdate) -> SignedClaim { SignedClaim(signing: update, as: identity) }

    /// Members in a status, sorted by id, this node included when alive.
    public func memberIDs(withStatus status: MemberStatus) -> [NodeID] {
        var ids = members.filter { $0.status == status }.map(\.id)
        if status == .alive && !isLeaving { ids.append(localID) }
        return ids.sorted()
    }

    /// The mesh size estimate used for timeouts and retransmit limits (this node included).
    public var estimatedNodeCount: Int { activeCount + 1 }

    /// How many times each update is gossiped: multiplier × ceil(log10(N + 1)). The runtime
    /// passes revocations on the same number of times.
    public var retransmitLimit: Int {
        settings.retransmitMultiplier * Int((log10(Double(estimatedNodeCount + 1))).rounded(.up))
    }

    var healthMultiplier: Double { Double(localHealth + 1) }

    /// When the shell must call `tick` next.
    public var nextDeadline: Instant {
        // A leaving node only gossips its departure; its other timers no longer run.
        var deadline = isLeaving ? nextGossipAt : min(nextProbeAt, nextGossipAt, nextPushPullAt, nextReconnectAt)
        if let probe {
            deadline = min(deadline, probe.indirectSent ? probe.periodDeadline : probe.directDeadline)
        }
        if let nextJoinAttemptAt, !isLeaving { deadline = min(deadline, nextJoinAttemptAt) }
        for suspicion in suspicions.values { deadline = min(deadline, suspicion.deadline) }
        for relay in relays.values { deadline = min(deadline, relay.nackSent ? relay.expiresAt : relay.nackAt) }
        return deadline
    }

    /// Full state for push-pull: every member this node knows, itself first.
    var fullState: [MemberState] {
        var states = [MemberState(trusted: selfMetadataClaim, statusClaim: selfClaim, address: localAddress)]
        states.reserveCapacity(members.count + 1)
        for member in members {
            states.append(MemberState(trusted: member.metadataClaim, statusClaim: member.claim, address: member.address))
        }
        return states
    }

    mutating func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    mutating func adjustHealth(by delta: Int) {
        localHealth = min(max(localHealth + delta, 0), settings.awarenessMaxMultiplier - 1)
    }
}

/// Protocol counters, exported as metrics by the runtime and summed by the simulator.
public struct MembershipCounters: Sendable, Equatable {
    public var probesSent = 0
    public var probesFailed = 0
    public var pingRequestsSent = 0
    public var nacksReceived = 0
    public var suspicionsRaised = 0
    public var membersDeclaredDead = 0
    /// Times this node refuted a suspicion or death notice about itself (each one is a false
    /// accusation somewhere in the mesh).
    public var refutations = 0
    public var pushPullsSent = 0
    public var messagesIgnored = 0
    /// Claims not believed: forged, unsigned by whoever had the right, or about or by a
    /// revoked member (see `ClaimRejection`).
    public var claimsRejected = 0

    public init() {}
}
