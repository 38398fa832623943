import PelotonCrypto
import PelotonWire

/// A membership update signed by whoever has the right to make it: `alive` and `left` by
/// their subject, `suspect` and `dead` by the accuser. Relayers pass a claim on unchanged, so
/// a receiver can check who made it, not only who relayed it (which the envelope proves).
///
/// A class, so the member table, the dissemination queue and push-pull states share one copy
/// (and simulated nodes share the claim they all heard), instead of each holding 64 more bytes.
public final class SignedClaim: Hashable, Sendable, CustomStringConvertible {
    public let update: MembershipUpdate
    public let signature: Signature

    public init(update: MembershipUpdate, signature: Signature) {
        self.update = update
        self.signature = signature
    }

    /// `update` signed with `identity`, which must be the one `update.signer` names.
    public convenience init(signing update: MembershipUpdate, as identity: NodeIdentity) {
        self.init(update: update, signature: identity.signature(for: Self.signedBytes(of: update)))
    }

    /// Separates claim signatures from every other signature a node key makes (envelopes,
    /// stream handshakes), so one can never be replayed as the other.
    static let domain = Array("peloton.membership-claim.v1".utf8)

    /// The bytes a claim's signature covers: the domain, then the update as it is encoded.
    public static func signedBytes(of update: MembershipUpdate) -> [UInt8] { domain + update.wireBytes }

    public var subject: NodeID { update.subject }
    public var incarnation: UInt64 { update.incarnation }
    /// Who must have signed: the subject for alive and left, the accuser for suspect and dead.
    public var signer: NodeID { update.signer }

    public var encodedSize: Int { update.encodedSize + Signature.byteCount }

    public static func == (lhs: SignedClaim, rhs: SignedClaim) -> Bool {
        lhs === rhs || (lhs.update == rhs.update && lhs.signature == rhs.signature)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(update)
        hasher.combine(signature)
    }

    public var description: String { "\(update) signed by \(signer.short)" }
}

extension MembershipUpdate {
    /// The member with the right to make this claim.
    public var signer: NodeID {
        switch self {
        case let .alive(id, _, _, _), let .left(id, _): id
        case let .suspect(_, _, from), let .dead(_, _, from): from
        }
    }
}

extension SignedClaim: WireCodable {
    public convenience init(from reader: inout WireReader) throws(WireError) {
        let update = try MembershipUpdate(from: &reader)
        self.init(update: update, signature: try reader.readSignature("claim.signature"))
    }

    public func encode(to writer: inout WireWriter) {
        update.encode(to: &writer)
        writer.writeSignature(signature)
    }
}

/// Why a claim was not believed; each is counted as `peloton_dropped_total{reason}`.
public enum ClaimRejection: String, Sendable, CaseIterable {
    /// The signer (or the subject) is revoked.
    case revoked = "claim_revoked"
    /// The signer's certificate is not known here yet, so its signature cannot be checked.
    case unknownSigner = "claim_unknown_signer"
    /// An alive claim whose metadata carries no valid certificate for its subject.
    case badCertificate = "claim_bad_certificate"
    /// The signature is not the signer's over this claim: forged, altered, or signed by
    /// someone without the right to make it.
    case badSignature = "claim_bad_signature"
}
