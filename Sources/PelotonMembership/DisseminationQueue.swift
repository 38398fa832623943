import PelotonCrypto
import PelotonWire

/// Claims waiting to be piggybacked, each sent a limited number of times, least-sent first
/// and newest first among equals (memberlist's TransmitLimitedQueue). A newer update about a
/// member replaces the older one. Entries sit in buckets by transmit count, so choosing a
/// packet's updates costs time in proportion to the updates chosen, not to the queue's length.
struct DisseminationQueue: Sendable {
    private struct Entry: Sendable {
        let claim: SignedClaim
        let encodedSize: Int
        let serial: UInt64
        var transmits: Int
    }

    private var entries: [NodeID: Entry] = [:]
    /// `buckets[t]` holds (subject, serial) of entries sent `t` times; stale pairs are skipped.
    private var buckets: [[(NodeID, UInt64)]] = [[]]
    private var nextSerial: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    mutating func enqueue(_ claim: SignedClaim) {
        nextSerial += 1
        entries[claim.subject] = Entry(claim: claim, encodedSize: claim.encodedSize, serial: nextSerial, transmits: 0)
        buckets[0].append((claim.subject, nextSerial))
    }

    /// Takes updates for one packet: at most `budget` encoded bytes, dropping any that have been
    /// sent `limit` times. `exclude` keeps out an update the caller already placed first.
    mutating func take(budget: Int, limit: Int, excluding exclude: NodeID? = nil) -> [SignedClaim] {
        var remaining = budget
        var taken: [(NodeID, Int)] = []
        var chosen: [SignedClaim] = []
        var transmits = 0
        scan: while transmits < buckets.count && transmits < limit {
            while let (subject, serial) = buckets[transmits].last {
                guard let entry = entries[subject], entry.serial == serial, entry.transmits == transmits else {
                    buckets[transmits].removeLast()  // replaced or already moved on
                    continue
                }
                if subject == exclude {
                    buckets[transmits].removeLast()
                    taken.append((subject, transmits))
                    continue
                }
                guard entry.encodedSize <= remaining else { break scan }
                buckets[transmits].removeLast()
                remaining -= entry.encodedSize
                chosen.append(entry.claim)
                taken.append((subject, transmits))
                if chosen.count == MembershipMessage.maxUpdatesPerMessage { break scan }
            }
            transmits += 1
        }
        for (subject, sent) in taken {
            guard var entry = entries[subject] else { continue }
            if subject == exclude {
                buckets[sent].insert((subject, entry.serial), at: 0)  // untouched, back in its bucket
                continue
            }
            entry.transmits = sent + 1
            if entry.transmits >= limit {
                entries[subject] = nil
            } else {
                entries[subject] = entry
                if buckets.count <= entry.transmits { buckets.append([]) }
                buckets[entry.transmits].append((subject, entry.serial))
            }
        }
        dropEntriesAtOrPast(limit)
        return chosen
    }

    /// The cluster shrank, so the limit did too: entries already sent that often are done.
    private mutating func dropEntriesAtOrPast(_ limit: Int) {
        guard buckets.count > limit else { return }
        for bucket in buckets[limit...] {
            for (subject, serial) in bucket where entries[subject]?.serial == serial {
                entries[subject] = nil
            }
        }
        buckets.removeSubrange(max(limit, 1)...)
    }

    /// The update queued about `subject`, if any (tests and the buddy system look).
    func pending(about subject: NodeID) -> SignedClaim? {
        entries[subject]?.claim
    }
}
