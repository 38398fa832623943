import Peloton

/// The nightly reorder: for every item, how much to order so its stock lasts through the
/// supplier's lead time plus a safety margin. The items are split into units of
/// `itemsPerUnit`, each computed on the node that owns it; the orders come back in item order.
public struct ReorderJob: Job {
    public struct Item: Codable, Sendable {
        public var sku: String
        public var available: Int
        public var dailyDemand: Double
        public init(sku: String, available: Int, dailyDemand: Double) {
            self.sku = sku
            self.available = available
            self.dailyDemand = dailyDemand
        }
    }

    public struct Input: Codable, Sendable {
        public var items: [Item]
        public var leadTimeDays: Double
        public var safetyDays: Double
        public var itemsPerUnit: Int
        public init(items: [Item], leadTimeDays: Double, safetyDays: Double = 2, itemsPerUnit: Int = 50) {
            self.items = items
            self.leadTimeDays = leadTimeDays
            self.safetyDays = safetyDays
            self.itemsPerUnit = itemsPerUnit
        }
    }

    public struct Unit: Codable, Sendable {
        public var items: [Item]
        public var days: Double
    }

    public struct Order: Codable, Sendable, Equatable {
        public var sku: String
        public var quantity: Int
        public init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    public struct Output: Codable, Sendable {
        public var orders: [Order]
        public var totalUnits: Int
    }

    public init() {}

    public static func definition() throws -> JobDefinition { try JobDefinition(name: "reorder", ReorderJob()) }

    public func split(_ input: Input) throws -> [Unit] {
        guard !input.items.isEmpty else { throw JobError("no items to reorder") }
        guard (1...1_000).contains(input.itemsPerUnit) else { throw JobError("itemsPerUnit must be 1 to 1,000") }
        guard input.leadTimeDays >= 0, input.safetyDays >= 0, (input.leadTimeDays + input.safetyDays) <= 365 else {
            throw JobError("lead time and safety days must be 0 to 365 together")
        }
        let days = input.leadTimeDays + input.safetyDays
        return stride(from: 0, to: input.items.count, by: input.itemsPerUnit).map { start in
            Unit(items: Array(input.items[start..<min(start + input.itemsPerUnit, input.items.count)]), days: days)
        }
    }

    public func run(_ unit: Unit) async throws -> [Order] {
        try unit.items.compactMap { item in
            guard item.dailyDemand >= 0, item.dailyDemand <= 1_000_000 else { throw JobError("\(item.sku): daily demand must be 0 to 1,000,000") }
            let needed = Int((item.dailyDemand * unit.days).rounded(.up)) - item.available
            return needed > 0 ? Order(sku: item.sku, quantity: needed) : nil
        }
    }

    public func combine(_ partials: [[Order]]) throws -> Output {
        let orders = partials.flatMap { $0 }
        return Output(orders: orders, totalUnits: orders.reduce(0) { $0 + $1.quantity })
    }
}
