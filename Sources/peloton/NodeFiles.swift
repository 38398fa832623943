import Foundation
import PelotonWire

/// Where a node keeps its files inside its data directory.
struct NodeFiles {
    let dataDirectory: String

    var identityPath: String { dataDirectory + "/node.key" }
    var certificatePath: String { dataDirectory + "/node.cert" }

    func createDirectory() throws {
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func writeCertificate(_ certificate: NodeCertificate) throws {
        try Data(certificate.wireBytes).write(to: URL(fileURLWithPath: certificatePath), options: .atomic)
    }

    /// The certificate, nil when none was issued yet; a damaged file is an error, not nil.
    func readCertificate() throws -> NodeCertificate? {
        guard FileManager.default.fileExists(atPath: certificatePath) else { return nil }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: certificatePath))
        guard bytes.count <= 4096 else { throw ValidationErrorMessage("\(certificatePath) is too large to be a certificate") }
        do {
            return try NodeCertificate(wireBytes: bytes)
        } catch {
            throw ValidationErrorMessage("\(certificatePath) is not a valid certificate: \(error)")
        }
    }
}

struct ValidationErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
