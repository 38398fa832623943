import PelotonMembership
import PelotonPlacement

/// How a node runs: where it listens, whom it joins through, and its protocol settings.
public struct NodeConfiguration: Sendable {
    /// Where gossip (UDP) and streams (TCP) listen: the same port for both, as in memberlist.
    public var bind: NodeAddress
    /// The address other nodes reach this one at; the bind address unless that is a wildcard.
    public var advertise: NodeAddress
    public var seeds: [NodeAddress]
    /// The HTTP API's address, published in metadata so any member can point a client at it.
    public var httpAddress: String?
    public var settings = MembershipSettings()
    /// Test hook: the fraction of inbound datagrams dropped on arrival (`--inject-loss`).
    public var injectedLoss = 0.0
    /// How long a leaving node keeps gossiping its departure before it exits.
    public var leaveGossipTime: Duration = .seconds(1)
    /// How long a draining node lets the news spread before it waits out its calls: about five
    /// gossip rounds, after which routers have stopped choosing it.
    public var drainAnnounceTime: Duration = .seconds(1)
    /// How long a draining node waits at most for the calls it is running to finish.
    public var drainGracePeriod: Duration = .seconds(10)
    /// How long one stream exchange (connect, handshake, push-pull) may take.
    public var streamTimeout = Self.defaultStreamTimeout
    public static let defaultStreamTimeout: Duration = .seconds(5)
    /// How long one owner may take to answer a routed call before the next owner is asked.
    public var callAttemptTimeout: Duration = .seconds(2)
    /// Calls one stream (a peer or a client) may have running on this node at once.
    public var maxCallsInFlightPerStream = 1024
    /// Points per member on the placement ring; every node of a mesh must use the same.
    public var virtualNodes = HashRing.defaultVirtualNodes
    /// Owners of each state key: reads and writes count their levels against this many.
    public var stateReplicas = 3
    /// How often the node compares digests of the state it holds with one random peer.
    public var stateSyncInterval: Duration = .seconds(2)
    /// How long a key keeps dropping a pruned (revoked) node's entries from what it merges
    /// after folding them: longer than any copy could be away and come back stale.
    public var pruneMarkerLifetime: Duration = .seconds(24 * 3600)
    /// The largest stream frame accepted: a full state of 100,000 members fits.
    public var maxFrameBytes = Self.defaultMaxFrameBytes
    public static let defaultMaxFrameBytes = 16 << 20
    /// Whether this node records spans for the tracer the process bootstrapped (`--otel-endpoint`).
    /// Off, no span is made and no trace context is read or passed on: tracing costs nothing.
    public var recordsTraces = false

    public init(bind: NodeAddress, advertise: NodeAddress? = nil, seeds: [NodeAddress] = [], httpAddress: String? = nil) throws {
        let wildcard = bind.host == "0.0.0.0" || bind.host == "::"
        if wildcard && advertise == nil {
            throw NodeSetupError("binding to \(bind) needs --advertise HOST:PORT: other nodes cannot reach a wildcard address")
        }
        self.bind = bind
        self.advertise = advertise ?? bind
        self.seeds = seeds
        self.httpAddress = httpAddress
    }
}
