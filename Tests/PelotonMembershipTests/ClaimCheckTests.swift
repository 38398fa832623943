import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import PelotonWire
import Synchronization
import Testing

/// A member whose key is stolen (node 4 here, "hostile") sends well-formed claims about others,
/// signed with its own key. None is believed except its own accusations, which name it.
@Suite struct ClaimCheckTests {
    let victim = 1
    let third = 2
    let hostile = 4

    private func deliver(_ claims: [SignedClaim], to membership: inout Membership) -> [MembershipEffect] {
        membership.receive(.gossip(updates: claims), from: Cluster.id(hostile), address: Cluster.address(hostile), at: .zero)
    }

    /// `update` signed by the hostile member, whoever it claims to be from.
    private func forged(_ update: MembershipUpdate) -> SignedClaim {
        SignedClaim(signing: update, as: Cluster.identities[hostile])
    }

    @Test func forgedAliveLeftAndDeathAboutOthersAreRejected() {
        var membership = Cluster(count: 6).nodes[0]
        let effects = deliver([
            // An incarnation raised so far that the victim's own refutations would be ignored.
            forged(.alive(id: Cluster.id(victim), incarnation: 1 << 40, address: Cluster.address(victim), metadata: Cluster.metadata(victim))),
            forged(.left(id: Cluster.id(third), incarnation: 0)),
            // A death notice that says it comes from someone else.
            forged(.dead(id: Cluster.id(3), incarnation: 0, from: Cluster.id(5))),
        ], to: &membership)
        #expect(effects.rejections == [.badSignature, .badSignature, .badSignature])
        #expect(effects.events.isEmpty)
        #expect(membership.members[Cluster.id(victim)]?.incarnation == 0)
        #expect(membership.members.allSatisfy { $0.status == .alive })
        #expect(membership.counters.claimsRejected == 3)
    }

    @Test func theHostileMembersOwnAccusationIsBelievedAndNamesIt() {
        var membership = Cluster(count: 6).nodes[0]
        let accusation = Cluster.signed(.suspect(id: Cluster.id(victim), incarnation: 0, from: Cluster.id(hostile)))
        let effects = deliver([accusation], to: &membership)
        #expect(effects.rejections.isEmpty)
        #expect(membership.members[Cluster.id(victim)]?.status == .suspect)
        #expect(membership.members[Cluster.id(victim)]?.claim.signer == Cluster.id(hostile))
        // And the victim refutes it as usual.
        var victimNode = Cluster(count: 6).nodes[victim]
        _ = deliver([accusation], to: &victimNode)
        #expect(victimNode.incarnation == 1)
    }

    @Test func oneMemberCannotFakeAQuorumOfConfirmations() {
        var membership = Cluster(count: 10).nodes[0]
        _ = deliver([Cluster.signed(.suspect(id: Cluster.id(victim), incarnation: 0, from: Cluster.id(hostile)))], to: &membership)
        let deadline = membership.suspicions[Cluster.id(victim)]?.deadline
        let effects = deliver((5..<9).map { forged(.suspect(id: Cluster.id(victim), incarnation: 0, from: Cluster.id($0))) }, to: &membership)
        #expect(effects.rejections.count == 4)
        #expect(membership.suspicions[Cluster.id(victim)]?.confirmations == 0)
        #expect(membership.suspicions[Cluster.id(victim)]?.deadline == deadline)
    }

    @Test func aForgedAccusationAboutThisNodeIsNotRefuted() {
        var membership = Cluster(count: 6).nodes[0]
        let effects = deliver([forged(.dead(id: Cluster.id(0), incarnation: 0, from: Cluster.id(victim)))], to: &membership)
        #expect(effects.rejections == [.badSignature])
        #expect(membership.incarnation == 0)
    }

    @Test func certificatesMustBeTheAuthoritysForTheSubjectAndUnexpired() throws {
        var membership = Cluster(count: 2).nodes[0]
        let stranger = NodeIdentity.generate()
        let foreignAuthority = Authority.generate()
        let foreign = try MemberMetadata(credential: foreignAuthority.issueCertificate(for: stranger.publicKey, name: "x", notAfter: .max).wireBytes)
        let expired = try MemberMetadata(credential: Cluster.authority.issueCertificate(for: stranger.publicKey, name: "x", notAfter: 0).wireBytes)
        let address = try NodeAddress(host: "stranger", port: 1)
        let claims = [foreign, expired, Cluster.metadata(3), .empty].map { metadata in
            SignedClaim(signing: .alive(id: stranger.nodeID, incarnation: 1, address: address, metadata: metadata), as: stranger)
        }
        // A node whose clock reads 10 s past the epoch, after the certificate's expiry.
        var late = Membership(
            identity: Cluster.identities[0], authority: Cluster.authority.publicKey, address: Cluster.address(0), metadata: Cluster.metadata(0),
            unixTimeAtZero: 10, random: SeededRandom(seed: 1), now: .zero)
        let effects = late.receive(.gossip(updates: [claims[1]]), from: stranger.nodeID, address: address, at: .zero)
        #expect(effects.rejections == [.badCertificate])
        let rest = deliver([claims[0], claims[2], claims[3]], to: &membership)
        #expect(rest.rejections == [.badCertificate, .badCertificate, .badCertificate])
        #expect(membership.members[stranger.nodeID] == nil)
        // An accusation by a member nobody here has a certificate for cannot be checked.
        let unknown = SignedClaim(signing: .suspect(id: Cluster.id(1), incarnation: 0, from: stranger.nodeID), as: stranger)
        #expect(deliver([unknown], to: &membership).rejections == [.unknownSigner])
    }

    @Test func revokedMembersClaimsAndClaimsAboutThemAreRejected() {
        var membership = Cluster(count: 6).nodes[0]
        _ = membership.revoke(Cluster.id(hostile), at: .zero)
        #expect(membership.key(for: Cluster.id(hostile)) == nil)
        #expect(membership.members[Cluster.id(hostile)]?.status == .dead)
        let effects = deliver([
            Cluster.signed(.suspect(id: Cluster.id(victim), incarnation: 0, from: Cluster.id(hostile))),
            Cluster.alive(hostile, incarnation: 5),
        ], to: &membership)
        #expect(effects.rejections == [.revoked, .revoked])
        #expect(membership.members[Cluster.id(victim)]?.status == .alive)
        #expect(membership.members[Cluster.id(hostile)]?.status == .dead)
    }

    @Test func aForgedStateInAPushPullIsRejected() {
        var membership = Cluster(count: 6).nodes[0]
        let states = [
            MemberState(metadataClaim: Cluster.alive(victim), statusClaim: forged(.dead(id: Cluster.id(victim), incarnation: 0, from: Cluster.id(third))))!,
            MemberState(metadataClaim: Cluster.alive(third), statusClaim: forged(.left(id: Cluster.id(third), incarnation: 3)))!,
        ]
        let effects = membership.receive(.pushPull(isReply: true, isJoin: false, members: states), from: Cluster.id(hostile), address: Cluster.address(hostile), at: .zero)
        #expect(effects.rejections == [.badSignature, .badSignature])
        #expect(membership.members.allSatisfy { $0.status == .alive })
    }

    @Test func aClaimHeardFromManyRelayersIsCheckedOnce() {
        let checks = CountingSignatureCheck()
        var membership = Membership(
            identity: Cluster.identities[0], authority: Cluster.authority.publicKey, address: Cluster.address(0), metadata: Cluster.metadata(0),
            signatureCheck: checks, random: SeededRandom(seed: 1), now: .zero)
        let claim = Cluster.alive(victim, incarnation: 2)
        for relayer in 2..<7 {
            _ = membership.receive(.gossip(updates: [claim]), from: Cluster.id(relayer), address: Cluster.address(relayer), at: .zero)
        }
        #expect(membership.members[Cluster.id(victim)]?.incarnation == 2)
        // One check of the certificate and one of the claim: the repeats change nothing.
        #expect(checks.count == 2)
    }
}

final class CountingSignatureCheck: SignatureCheck {
    private let checks = Mutex(0)
    var count: Int { checks.withLock { $0 } }

    func isValid(_ signature: Signature, by key: PublicKey, over message: [UInt8]) -> Bool {
        checks.withLock { $0 += 1 }
        return key.isValidSignature(signature, for: message)
    }
}
