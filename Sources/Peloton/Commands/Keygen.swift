import ArgumentParser
import Foundation
import PelotonCrypto
import PelotonNode
import PelotonWire

/// `peloton keygen --authority` makes a cluster authority; `peloton keygen --node NAME
/// --authority-key FILE` makes a node identity and the authority's certificate for it.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an authority key pair, or a node identity with its certificate.",
        discussion: """
            peloton keygen --authority --out authority.key
            peloton keygen --node web-1 --authority-key authority.key --out data/web-1
            """
    )

    @Flag(help: "Create a cluster authority key pair.")
    var authority = false

    @Option(help: "Create a node identity with this name (letters, digits, '.', '_', '-').")
    var node: String?

    @Option(help: "The authority key that signs the node's certificate.")
    var authorityKey: String?

    @Option(help: "Days the node certificate stays valid.")
    var validDays: Int = 365

    @Option(help: "Where to write: a file for --authority, a data directory for --node.")
    var out: String

    func validate() throws {
        guard authority != (node != nil) else { throw ValidationError("Give exactly one of --authority or --node NAME.") }
        if node != nil, authorityKey == nil { throw ValidationError("--node needs --authority-key FILE to sign its certificate.") }
        guard (1...3650).contains(validDays) else { throw ValidationError("--valid-days must be between 1 and 3650.") }
        if let node {
            do { try NodeCertificate.validateName(node) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        if authority {
            let created = Authority.generate()
            try created.save(to: out)
            print("authority key written to \(out) (mode 0600)")
            print("authority id: \(created.publicKey.nodeID)")
            return
        }
        guard let node, let authorityKey else { return }
        let signer = try Authority.load(from: authorityKey)
        let files = NodeFiles(dataDirectory: out)
        try files.createDirectory()
        let identity = try NodeIdentity.loadOrCreate(at: files.identityPath)
        let notAfter = unixSeconds() + UInt64(validDays) * 86_400
        let certificate = try signer.issueCertificate(for: identity.publicKey, name: node, notAfter: notAfter)
        try files.writeCertificate(certificate)
        try files.writeAuthorityPublicKey(signer.publicKey)
        print("node \(node): id \(identity.nodeID)")
        print("identity:    \(files.identityPath) (mode 0600)")
        print("certificate: \(files.certificatePath), valid until \(Date(timeIntervalSince1970: Double(notAfter)))")
    }
}

/// `peloton identity --data DIR`: show (creating on first use) the node identity in a data dir.
struct Identity: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the node identity in a data directory, creating it on first use.")

    @Option(help: "The node's data directory.")
    var data: String

    func run() throws {
        let files = NodeFiles(dataDirectory: data)
        try files.createDirectory()
        let identity = try NodeIdentity.loadOrCreate(at: files.identityPath)
        print("node id:    \(identity.nodeID)")
        print("public key: \(identity.publicKey)")
        print("key file:   \(files.identityPath)")
        if let certificate = try files.readCertificate() {
            print("certificate: \(certificate.name), authority \(certificate.authorityID.short), valid until \(Date(timeIntervalSince1970: Double(certificate.notAfter)))")
        }
    }
}
