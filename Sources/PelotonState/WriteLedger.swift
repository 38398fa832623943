import DequeModule
import PelotonCrypto
import PelotonWire

/// Names one client write across every attempt and every retry: the request id a client sends
/// (`X-Request-Id`) or the entry node draws.
public struct WriteID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static func < (a: WriteID, b: WriteID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// 32 hex digits, as `X-Request-Id` spells it.
    public var description: String {
        func padded(_ word: UInt64) -> String {
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return padded(high) + padded(low)
    }
}

extension WriteID {
    /// The id of a request's write to `key`: a client's id names one write per key, so reusing
    /// an `X-Request-Id` for another key is another write, never taken for a retry of the
    /// first.
    public init(request high: UInt64, _ low: UInt64, key: StateKey) {
        self.init(high: high ^ StableHash.hash(Array(key.description.utf8)), low: low)
    }
}

extension WriteID: WireCodable {
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(high: try reader.readUInt64("write.id"), low: try reader.readUInt64("write.id"))
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt64(high)
        writer.writeUInt64(low)
    }
}

/// An owner's memory of the writes it holds, by id: a write whose id is here is never applied
/// again, whether it comes back as a reissue, as a client's retry with the same id, or through
/// another owner that already shipped it here. An owner records an id when it runs the write
/// and when it merges the delta of a write another owner ran; the id is saved with the key's
/// new state, so the memory survives a restart exactly as the write does.
///
/// Ids are kept for `retention` (wall-clock time, since it must outlast restarts) and at most
/// `capacity` of them, oldest first out: a retry later than that may apply again.
public struct WriteLedger: Sendable {
    public static let defaultRetentionMilliseconds: UInt64 = 10 * 60 * 1000
    public static let defaultCapacity = 1 << 20

    public let retentionMilliseconds: UInt64
    public let capacity: Int
    private var known: Set<WriteID> = []
    private var order: Deque<(id: WriteID, atMilliseconds: UInt64)> = []

    public init(retentionMilliseconds: UInt64 = Self.defaultRetentionMilliseconds, capacity: Int = Self.defaultCapacity) {
        self.retentionMilliseconds = retentionMilliseconds
        self.capacity = max(1, capacity)
    }

    public var count: Int { known.count }

    public func contains(_ id: WriteID) -> Bool { known.contains(id) }

    /// Remembers `id` as held here since `atMilliseconds`; false when it already was.
    @discardableResult
    public mutating func record(_ id: WriteID, atMilliseconds: UInt64) -> Bool {
        expire(nowMilliseconds: atMilliseconds)
        guard known.insert(id).inserted else { return false }
        order.append((id, atMilliseconds))
        while order.count > capacity, let oldest = order.popFirst() { known.remove(oldest.id) }
        return true
    }

    /// Forgets ids older than the retention.
    public mutating func expire(nowMilliseconds: UInt64) {
        while let oldest = order.first, nowMilliseconds >= oldest.atMilliseconds, nowMilliseconds - oldest.atMilliseconds > retentionMilliseconds {
            order.removeFirst()
            known.remove(oldest.id)
        }
    }

    /// The oldest time still remembered, for pruning saved ids: anything older may go.
    public func cutoff(nowMilliseconds: UInt64) -> UInt64 {
        nowMilliseconds > retentionMilliseconds ? nowMilliseconds - retentionMilliseconds : 0
    }
}
