import PelotonCrypto

/// Why an incoming datagram was dropped; each reason is counted separately in metrics.
public enum EnvelopeRejection: Error, Equatable, Sendable {
    case malformed(WireError)
    case unknownSender(NodeID)
    case badSignature
    case replayed
    case tooOld
    case staleIncarnation

    /// A stable label for metrics.
    public var reason: String {
        switch self {
        case .malformed(.tooLarge): "oversized"
        case .malformed: "malformed"
        case .unknownSender: "unknown_sender"
        case .badSignature: "bad_signature"
        case .replayed: "replayed"
        case .tooOld: "too_old"
        case .staleIncarnation: "stale_incarnation"
        }
    }
}

/// The checks every incoming gossip datagram passes, cheapest first: size and structure, a
/// known sender, the replay window, then the signature. Only a datagram that passes all of
/// them moves the sender's replay window, so forged traffic cannot push real traffic out.
public struct EnvelopeGate: Sendable {
    public let maxDatagramSize: Int
    private var windows: [NodeID: ReplayWindow] = [:]

    public init(maxDatagramSize: Int = SignedEnvelope.defaultMaxDatagramSize) {
        self.maxDatagramSize = maxDatagramSize
    }

    public mutating func admit(_ datagram: [UInt8], senderKey: (NodeID) -> PublicKey?) -> Result<SignedEnvelope, EnvelopeRejection> {
        let envelope: SignedEnvelope
        do {
            envelope = try SignedEnvelope.decode(datagram, maxSize: maxDatagramSize)
        } catch {
            return .failure(.malformed(error))
        }
        guard let key = senderKey(envelope.sender) else { return .failure(.unknownSender(envelope.sender)) }
        let window = windows[envelope.sender] ?? ReplayWindow()
        switch window.verdict(incarnation: envelope.incarnation, sequence: envelope.sequence) {
        case .fresh: break
        case .replayed: return .failure(.replayed)
        case .tooOld: return .failure(.tooOld)
        case .staleIncarnation: return .failure(.staleIncarnation)
        }
        guard envelope.hasValidSignature(from: key) else { return .failure(.badSignature) }
        windows[envelope.sender, default: ReplayWindow()].record(incarnation: envelope.incarnation, sequence: envelope.sequence)
        return .success(envelope)
    }

    /// Forgets a sender that left the mesh, so the table stays as large as the membership.
    public mutating func forget(_ sender: NodeID) {
        windows[sender] = nil
    }
}

/// Numbers the envelopes one node sends: one sequence per datagram, never reused.
public struct EnvelopeSealer: Sendable {
    public let identity: NodeIdentity
    public var incarnation: UInt64
    public private(set) var nextSequence: UInt64 = 0
    public let maxDatagramSize: Int

    public init(identity: NodeIdentity, incarnation: UInt64, maxDatagramSize: Int = SignedEnvelope.defaultMaxDatagramSize) {
        self.identity = identity
        self.incarnation = incarnation
        self.maxDatagramSize = maxDatagramSize
    }

    public mutating func seal(_ payload: [UInt8]) throws(WireError) -> [UInt8] {
        let datagram = try SignedEnvelope.seal(
            payload: payload, incarnation: incarnation, sequence: nextSequence, identity: identity, maxSize: maxDatagramSize)
        nextSequence += 1
        return datagram
    }
}
