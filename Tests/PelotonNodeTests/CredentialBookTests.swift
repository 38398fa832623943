import PelotonCrypto
import PelotonMembership
@testable import PelotonNode
import PelotonWire
import Testing

@Suite struct CredentialBookTests {
    let authority = Authority.generate()
    let now: UInt64 = 1_800_000_000

    private func credentialed(_ name: String, by signer: Authority? = nil) throws -> (NodeID, MemberMetadata) {
        let identity = NodeIdentity.generate()
        let certificate = try (signer ?? authority).issueCertificate(for: identity.publicKey, name: name, notAfter: now + 60)
        return (identity.nodeID, try MemberMetadata(credential: certificate.wireBytes))
    }

    private let address = try! NodeAddress(host: "127.0.0.1", port: 1)

    @Test func keepsOnlyAliveClaimsWithAValidCertificateForTheirOwnID() throws {
        var book = CredentialBook(authority: authority.publicKey)
        let (good, goodMetadata) = try credentialed("good")
        let (foreign, foreignMetadata) = try credentialed("foreign", by: Authority.generate())
        let (other, _) = try credentialed("other")
        let message = MembershipMessage.gossip(updates: [
            .alive(id: good, incarnation: 1, address: address, metadata: goodMetadata),
            .alive(id: foreign, incarnation: 1, address: address, metadata: foreignMetadata),
            // Someone else's valid certificate, claimed for another id.
            .alive(id: other, incarnation: 1, address: address, metadata: goodMetadata),
            .alive(id: other, incarnation: 1, address: address, metadata: .empty),
            .suspect(id: good, incarnation: 1, from: other),
        ])
        let (filtered, dropped) = book.filter(message, unixTime: now)
        #expect(dropped == 3)
        #expect(filtered.updates.map(\.subject) == [good, good])
        #expect(book.key(for: good) != nil)
        #expect(book.key(for: foreign) == nil)
        #expect(book.certificate(for: good)?.name == "good")

        // "Same metadata as before" passes for a certified member only.
        let refutations = MembershipMessage.gossip(updates: [
            .alive(id: good, incarnation: 2, address: address, metadata: nil),
            .alive(id: foreign, incarnation: 2, address: address, metadata: nil),
        ])
        let (kept, refused) = book.filter(refutations, unixTime: now)
        #expect(refused == 1)
        #expect(kept.updates.map(\.subject) == [good])
    }

    @Test func anExpiredCertificateIsRefused() throws {
        var book = CredentialBook(authority: authority.publicKey)
        let (id, metadata) = try credentialed("late")
        let late = book.admit(metadata, for: id, unixTime: now + 61)
        let inTime = book.admit(metadata, for: id, unixTime: now)
        #expect(!late)
        #expect(inTime)
    }

    @Test func aRevokedNodeLosesItsKeyAndCannotComeBack() throws {
        var book = CredentialBook(authority: authority.publicKey)
        let (id, metadata) = try credentialed("revoked")
        let before = book.admit(metadata, for: id, unixTime: now)
        book.revoke(id)
        let after = book.admit(metadata, for: id, unixTime: now)
        #expect(before)
        #expect(book.key(for: id) == nil)
        #expect(!after)
        let (_, dropped) = book.filter(.gossip(updates: [.dead(id: id, incarnation: 1, from: id)]), unixTime: now)
        #expect(dropped == 1)
    }

    @Test func pushPullEntriesWithoutCredentialsAreDropped() throws {
        var book = CredentialBook(authority: authority.publicKey)
        let (good, goodMetadata) = try credentialed("good")
        let (bad, _) = try credentialed("bad")
        let states = [
            MemberState(id: good, address: address, incarnation: 1, status: .alive, metadata: goodMetadata),
            MemberState(id: bad, address: address, incarnation: 1, status: .dead, metadata: .empty),
        ]
        let (filtered, dropped) = book.filter(.pushPull(isReply: false, isJoin: true, members: states), unixTime: now)
        #expect(dropped == 1)
        guard case let .pushPull(_, _, kept) = filtered else { Issue.record("not a push-pull"); return }
        #expect(kept.map(\.id) == [good])
    }
}
