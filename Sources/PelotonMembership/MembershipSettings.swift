import PelotonWire

/// Protocol timing and sizes. Defaults are HashiCorp memberlist's LAN profile, so results
/// compare directly with memberlist and Serf.
public struct MembershipSettings: Sendable, Equatable {
    /// How often a member is probed (memberlist ProbeInterval).
    public var probeInterval: Duration = .seconds(1)
    /// How long to wait for a direct ack before asking others (ProbeTimeout).
    public var probeTimeout: Duration = .milliseconds(500)
    /// How many members are asked to probe indirectly (IndirectChecks).
    public var indirectChecks = 3
    /// Suspicion timeout = multiplier × log10(N) × probe interval, at least 1 × (SuspicionMult).
    public var suspicionMultiplier = 4
    /// Upper bound of the Lifeguard suspicion timeout, as a multiple of its minimum (SuspicionMaxTimeoutMult).
    public var suspicionMaxTimeoutMultiplier = 6
    /// Each update is retransmitted multiplier × ceil(log10(N+1)) times (RetransmitMult).
    public var retransmitMultiplier = 4
    /// Gossip tick and fan-out (GossipInterval, GossipNodes).
    public var gossipInterval: Duration = .milliseconds(200)
    public var gossipNodes = 3
    /// Dead members still receive gossip this long, so they learn of their death and refute (GossipToTheDeadTime).
    public var gossipToTheDeadTime: Duration = .seconds(30)
    /// Full-state exchange with one random member (PushPullInterval), scaled up beyond 32 nodes.
    public var pushPullInterval: Duration = .seconds(30)
    /// Lifeguard local health: the multiplier on probe interval and timeout goes up to this (AwarenessMaxMultiplier).
    public var awarenessMaxMultiplier = 8
    /// How often to try a push-pull with a dead member, so partitions heal (Serf's reconnect).
    public var reconnectInterval: Duration = .seconds(10)
    /// Dead members are forgotten after this long; until then they are reconnect candidates.
    public var deadMemberRetention: Duration = .seconds(3600)
    /// Seed retry backoff while this node knows no alive member.
    public var joinRetryInitial: Duration = .seconds(1)
    public var joinRetryMaximum: Duration = .seconds(30)
    /// The largest datagram, envelope included.
    public var maxDatagramSize = SignedEnvelope.defaultMaxDatagramSize

    public init() {}

    /// The byte budget for one membership message inside a signed envelope.
    public var maxMessageBytes: Int { maxDatagramSize - SignedEnvelope.maxOverhead }
}
