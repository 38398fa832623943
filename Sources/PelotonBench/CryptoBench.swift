import PelotonSimulator
import PelotonCrypto
import PelotonWire

/// `Tools/bench crypto`: what one core does with libsodium through Peloton's types. Raw and
/// envelope costs are measured in alternating rounds so their ratio survives a noisy machine.
func runCryptoBench() throws {
    let identity = NodeIdentity.generate()
    let payload = [UInt8](repeating: 0xab, count: 1024)
    let signature = identity.signature(for: payload)
    let keys = [identity.nodeID: identity.publicKey]

    var sequence: UInt64 = 0
    let (sign, seal) = try measureInterleaved(
        ("Ed25519 sign, 1 KB", 2_000, { _ = identity.signature(for: payload) }),
        ("envelope encode+sign, 1 KB", 2_000, {
            sequence += 1
            _ = try SignedEnvelope.seal(payload: payload, incarnation: 1, sequence: sequence, identity: identity)
        }))

    // A receiver opens a stream of distinct envelopes: decode, replay check, verify, record.
    var sealer = EnvelopeSealer(identity: identity, incarnation: 1)
    let datagrams = try (0..<12_000).map { _ in try sealer.seal(payload) }
    var gate = EnvelopeGate()
    var next = 0
    let (verify, open) = try measureInterleaved(
        ("Ed25519 verify, 1 KB", 1_000, { precondition(identity.publicKey.isValidSignature(signature, for: payload)) }),
        ("envelope decode+check+verify, 1 KB", 1_000, {
            if case .failure(let rejection) = gate.admit(datagrams[next % datagrams.count], senderKey: { keys[$0] }) {
                fatalError("benchmark envelope rejected: \(rejection)")
            }
            next += 1
        }))
    let (rawCycle, envelopeCycle) = try measureInterleaved(
        ("raw sign+verify, 1 KB", 700, {
            precondition(identity.publicKey.isValidSignature(identity.signature(for: payload), for: payload))
        }),
        ("envelope full cycle (seal+admit), 1 KB", 700, {
            _ = try gate.admit(try sealer.seal(payload), senderKey: { keys[$0] }).get()
        }))

    let client = KeyExchangeKeyPair.generate()
    let server = KeyExchangeKeyPair.generate()
    let clientKeys = try client.clientSessionKeys(serverPublicKey: server.publicKey)
    let serverKeys = try server.serverSessionKeys(clientPublicKey: client.publicKey)
    var streamSealer = StreamSealer(key: clientKeys.transmit)
    var streamOpener = StreamOpener(key: serverKeys.receive)
    let frame = [UInt8](repeating: 0x5a, count: 16 * 1024)
    let aead = try measure("AEAD seal+open, 16 KB frames", iterations: 5_000) {
        _ = try streamOpener.open(streamSealer.seal(frame))
    }
    let smallFrame = [UInt8](repeating: 0x5a, count: 1024)
    let aeadSmall = try measure("AEAD seal+open, 1 KB frames", iterations: 20_000) {
        _ = try streamOpener.open(streamSealer.seal(smallFrame))
    }
    let exchange = try measure("key exchange (kx keypair + session keys)", iterations: 2_000) {
        _ = try KeyExchangeKeyPair.generate().clientSessionKeys(serverPublicKey: server.publicKey)
    }

    print("crypto (one core, release build; median of rounds, range in brackets)")
    report([
        (sign, "signs/s", 1), (seal, "envelopes/s", 1), (verify, "verifies/s", 1), (open, "envelopes/s", 1),
        (rawCycle, "cycles/s", 1), (envelopeCycle, "cycles/s", 1),
        (aead, "MB/s", 16.0 * 1024 / 1e6), (aeadSmall, "MB/s", 1024 / 1e6), (exchange, "exchanges/s", 1),
    ])
    print("  envelope cost relative to raw libsodium (target: at most 110%):")
    print("    seal  \(format(sign.median / seal.median * 100))% of a raw sign")
    print("    open  \(format(verify.median / open.median * 100))% of a raw verify")
    print("    cycle \(format(rawCycle.median / envelopeCycle.median * 100))% of a raw sign+verify")
}
