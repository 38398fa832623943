import Foundation
import Peloton

/// A keyed inventory: each SKU (the call's `?key=`) lives on its own two owners, its stock is a
/// replicated counter (written at quorum, so it survives its owners), and its granted
/// reservations a replicated set.
///
/// The promise of `reserve`: a reservation id is granted at most once, however often it is
/// asked for, through whichever node, and across the crash of the SKU's owner (the call is
/// then reissued to the next owner, which reads what the first one wrote at quorum). Two
/// reservations of one SKU are decided one at a time on its owner, so stock is never
/// oversold in a mesh that agrees on the owner. Within a partition both sides may grant.
public enum Inventory {
    public struct Restock: Codable, Sendable {
        public var quantity: Int
        public init(quantity: Int) { self.quantity = quantity }
    }

    public struct Reserve: Codable, Sendable {
        /// Names the reservation: asking again with the same id never takes stock twice.
        public var reservation: String
        public var quantity: Int
        public init(reservation: String, quantity: Int) {
            self.reservation = reservation
            self.quantity = quantity
        }
    }

    public struct Nothing: Codable, Sendable {
        public init() {}
    }

    public struct Stock: Codable, Sendable, Equatable {
        public var sku: String
        public var available: Int
        public init(sku: String, available: Int) {
            self.sku = sku
            self.available = available
        }
    }

    public struct Granted: Codable, Sendable {
        public var sku: String
        public var reservation: String
        public var available: Int
        /// This reservation had been granted before; nothing was taken this time.
        public var repeated: Bool
    }

    /// Published when a reservation leaves fewer than `lowStockBelow` of a SKU.
    public static let lowStockTopic = "inventory.low"

    public static func definition(lowStockBelow: Int = 5) throws -> ServiceDefinition {
        let oneAtATime = OneAtATime()
        return try ServiceDefinition(name: "inventory", version: "1.0.0", replicas: 2) { service in
            try service.method("restock", text: { "\($0.sku): \($0.available) available" }) { (request: Restock, call) -> Stock in
                let (sku, state) = try place(call)
                guard (1...1_000_000).contains(request.quantity) else { throw ServiceError(status: 422, "quantity must be 1 to 1,000,000") }
                let key = try stockKey(sku)
                // Named after the call: a reissued call adds its stock once.
                let after = try await state.write(.add(Int64(request.quantity)), to: key, level: .quorum, id: call.writeID(for: key))
                return Stock(sku: sku, available: try count(after))
            }
            try service.method("stock", text: { "\($0.sku): \($0.available) available" }) { (_: Nothing, call) -> Stock in
                let (sku, state) = try place(call)
                return Stock(sku: sku, available: try count(try await state.read(try stockKey(sku), level: .quorum)))
            }
            try service.method("reserve", text: { "\($0.reservation) granted, \($0.available) left" }) { (request: Reserve, call) -> Granted in
                let (sku, state) = try place(call)
                guard (1...1_000_000).contains(request.quantity) else { throw ServiceError(status: 422, "quantity must be 1 to 1,000,000") }
                guard !request.reservation.isEmpty, request.reservation.utf8.count <= 128 else {
                    throw ServiceError(status: 422, "a reservation id is 1 to 128 bytes")
                }
                let granted = try await oneAtATime.run(sku) {
                    try await reserve(request, of: sku, in: state)
                }
                if !granted.repeated, granted.available < lowStockBelow {
                    let payload = Array(try JSONEncoder().encode(Stock(sku: sku, available: granted.available)))
                    try? await call.events?.publish(Topic(lowStockTopic), payload: payload)
                }
                return granted
            }
        }
    }

    /// Stock first, then the reservation, both named after the reservation: a retry after a
    /// crash between the two finds the stock already taken under that name (an owner that
    /// holds a write does not apply it again) and records the reservation.
    static func reserve(_ request: Reserve, of sku: String, in state: any SharedState) async throws -> Granted {
        let (stock, reservations) = (try stockKey(sku), try reservationsKey(sku))
        let available = try count(try await state.read(stock, level: .quorum))
        if case let .set(granted)? = try await state.read(reservations, level: .quorum), granted.contains(request.reservation) {
            return Granted(sku: sku, reservation: request.reservation, available: available, repeated: true)
        }
        guard available >= request.quantity else {
            throw ServiceError(status: 409, "only \(available) of \(sku) available, \(request.quantity) asked")
        }
        let name = writeName(sku: sku, reservation: request.reservation)
        let after = try await state.write(.add(-Int64(request.quantity)), to: stock, level: .quorum, id: WriteID(request: name.high, name.low, key: stock))
        _ = try await state.write(.insert([request.reservation]), to: reservations, level: .quorum, id: WriteID(request: name.high, name.low, key: reservations))
        return Granted(sku: sku, reservation: request.reservation, available: try count(after), repeated: false)
    }

    /// The SKU a call is about, and the mesh's state: inventory calls are keyed and need a node.
    static func place(_ call: CallContext) throws -> (String, any SharedState) {
        guard let sku = call.key else { throw ServiceError(status: 400, "inventory calls need ?key=SKU") }
        guard let state = call.state else { throw ServiceError(status: 503, "inventory needs a node's replicated state") }
        return (sku, state)
    }

    public static func stockKey(_ sku: String) throws -> StateKey { try stateKey(.counter, "inventory.stock.\(sku)") }
    public static func reservationsKey(_ sku: String) throws -> StateKey { try stateKey(.set, "inventory.reservations.\(sku)") }

    static func stateKey(_ kind: StateKind, _ name: String) throws -> StateKey {
        do {
            return try StateKey(kind: kind, name: name)
        } catch {
            throw ServiceError(status: 400, "\(error)")
        }
    }

    static func count(_ value: StateValue?) throws -> Int {
        switch value {
        case nil: return 0
        case let .counter(counter)?: return Int(counter.value)
        default: throw ServiceError(status: 500, "the stock held something other than a counter")
        }
    }

    /// A stable 128-bit name for (SKU, reservation), the same on every node.
    static func writeName(sku: String, reservation: String) -> (high: UInt64, low: UInt64) {
        (StableHash.hash(Array("inventory/\(sku)".utf8)), StableHash.hash(Array("reservation/\(reservation)".utf8)))
    }
}
