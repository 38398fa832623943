import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonCrypto
import PelotonNode
import PelotonWire

/// `peloton revoke --authority-key FILE --node-id ID --node URL`: the authority revokes a node
/// key; the node at URL checks the signature and gossips the revocation to the whole mesh.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a node's key with the cluster authority and hand the revocation to a node.",
        discussion: "The full 32-digit node id is in `peloton members --json` or `peloton identity --data DIR`.")

    @Option(help: "The cluster authority's key file.")
    var authorityKey: String

    @Option(help: "The id of the node to revoke (32 hex digits).")
    var nodeID: String

    /// The node that receives the revocation and spreads it.
    @OptionGroup var api: NodeAPIOptions

    @Option(help: "Also write the revocation to this file.")
    var out: String?

    func run() async throws {
        guard let id = NodeID(hex: nodeID) else {
            throw ValidationError("--node-id must be the full 32-hex-digit node id")
        }
        let authority = try Authority.load(from: authorityKey)
        let revocation = authority.revoke(id, issuedAt: unixSeconds())
        if let out {
            try Data(revocation.wireBytes).write(to: URL(fileURLWithPath: out), options: .atomic)
        }
        let answer = try await post(revocation.wireBytes, path: "/v1/revocations", to: api.node, tokenFile: api.tokenFile)
        let view = try? JSONDecoder().decode(RevocationView.self, from: answer)
        print(view?.isNew == false ? "\(api.node) already knew node \(nodeID) is revoked" : "node \(nodeID) revoked; \(api.node) is spreading the word")
    }
}
