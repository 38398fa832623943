import Foundation
import Inventory
import Peloton
import PelotonTesting
import Testing

/// The shop's service on three real nodes in this process (`LocalMesh` from the test kit).
@Suite(.timeLimit(.minutes(2))) struct InventoryTests {
    static func mesh() async throws -> LocalMesh {
        try await LocalMesh.start(nodes: 3, jobs: [try ReorderJob.definition()]) { [try Inventory.definition(lowStockBelow: 3)] }
    }

    /// A node that owns nothing for `sku`: calls through it are routed, as most would be.
    static func outsider(_ mesh: LocalMesh, of sku: String) async throws -> (owners: [Int], outsider: Int) {
        let owners = try await mesh.owners(of: "inventory", key: sku)
        return (owners, try #require((0..<mesh.count).first { !owners.contains($0) }))
    }

    @Test func aReservationIsNeverGrantedTwiceWhenItsOwnerCrashesMidCall() async throws {
        let mesh = try await Self.mesh()
        defer { mesh.shutdown() }
        let (owners, via) = try await Self.outsider(mesh, of: "sku-1")
        let stocked: Inventory.Stock = try await mesh.call("inventory", "restock", Inventory.Restock(quantity: 30), key: "sku-1", via: via)
        #expect(stocked.available == 30)

        // Twenty reservations in flight while the SKU's first owner dies under them.
        let outcomes = await withTaskGroup(of: (String, Result<Inventory.Granted, any Error>).self) { group in
            for number in 0..<20 {
                group.addTask {
                    let id = "order-\(number)"
                    do {
                        let granted: Inventory.Granted = try await mesh.call(
                            "inventory", "reserve", Inventory.Reserve(reservation: id, quantity: 1), key: "sku-1", via: via, timeout: .seconds(15))
                        return (id, .success(granted))
                    } catch {
                        return (id, .failure(error))
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(5))
                await mesh.crash(owners[0])
                return ("", .failure(CancellationError()))
            }
            var outcomes: [String: Result<Inventory.Granted, any Error>] = [:]
            for await (id, outcome) in group where !id.isEmpty { outcomes[id] = outcome }
            return outcomes
        }

        // Asked again, with new request ids, every reservation is either granted once or refused.
        for number in 0..<20 {
            let id = "order-\(number)"
            let again: Inventory.Granted = try await mesh.call(
                "inventory", "reserve", Inventory.Reserve(reservation: id, quantity: 1), key: "sku-1", via: via, timeout: .seconds(15))
            if case .success? = outcomes[id] { #expect(again.repeated, "\(id) was granted, then granted again") }
        }
        // The history checks out: every reservation granted is recorded once, and the stock
        // went down by exactly one per recorded reservation.
        let recorded = try await mesh.read(try Inventory.reservationsKey("sku-1"), level: .quorum, via: via)
        guard case let .set(reservations) = recorded else { Issue.record("reservations are \(recorded)"); return }
        #expect(reservations.elements.count == 20)
        let stock: Inventory.Stock = try await mesh.call("inventory", "stock", Inventory.Nothing(), key: "sku-1", via: via)
        #expect(stock.available == 30 - reservations.elements.count)
    }

    @Test func stockIsNeverOversold() async throws {
        let mesh = try await Self.mesh()
        defer { mesh.shutdown() }
        let (_, via) = try await Self.outsider(mesh, of: "sku-2")
        let _: Inventory.Stock = try await mesh.call("inventory", "restock", Inventory.Restock(quantity: 5), key: "sku-2", via: via)
        let granted = await withTaskGroup(of: Int.self) { group in
            for number in 0..<12 {
                group.addTask {
                    let call: Inventory.Granted? = try? await mesh.call(
                        "inventory", "reserve", Inventory.Reserve(reservation: "r\(number)", quantity: 1), key: "sku-2", via: number % 3)
                    return call == nil ? 0 : 1
                }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 5)
        await #expect(throws: CallFailure.self) {
            try await mesh.call("inventory", "reserve", Inventory.Reserve(reservation: "late", quantity: 1), key: "sku-2", as: Inventory.Granted.self)
        }
    }

    @Test func stockCountsSurviveTheirOwnersCrashAndAgreeEverywhereAfterItsRestart() async throws {
        let mesh = try await Self.mesh()
        defer { mesh.shutdown() }
        let (owners, via) = try await Self.outsider(mesh, of: "sku-3")
        let _: Inventory.Stock = try await mesh.call("inventory", "restock", Inventory.Restock(quantity: 4), key: "sku-3", via: via)
        await mesh.crash(owners[0])
        let _: Inventory.Stock = try await mesh.call("inventory", "restock", Inventory.Restock(quantity: 6), key: "sku-3", via: via, timeout: .seconds(10))
        try await mesh.restart(owners[0])
        try await mesh.waitUntilFormed()
        for node in 0..<3 {
            let stock: Inventory.Stock = try await mesh.call("inventory", "stock", Inventory.Nothing(), key: "sku-3", via: node)
            #expect(stock.available == 10, "as seen through node \(node)")
        }
    }

    @Test func aReservationThatLeavesLittleStockIsAnnounced() async throws {
        let mesh = try await Self.mesh()
        defer { mesh.shutdown() }
        let events = try mesh.node(1).subscribe(try TopicPattern(Inventory.lowStockTopic))
        let _: Inventory.Stock = try await mesh.call("inventory", "restock", Inventory.Restock(quantity: 4), key: "sku-4")
        let _: Inventory.Granted = try await mesh.call("inventory", "reserve", Inventory.Reserve(reservation: "big", quantity: 2), key: "sku-4")
        var iterator = events.makeAsyncIterator()
        let event = try #require(await iterator.next())
        let stock = try JSONDecoder().decode(Inventory.Stock.self, from: Data(event.payload))
        #expect(stock == Inventory.Stock(sku: "sku-4", available: 2))
    }

    @Test func theReorderJobRunsOverEveryItemAcrossTheMesh() async throws {
        let mesh = try await Self.mesh()
        defer { mesh.shutdown() }
        let items = (0..<200).map { ReorderJob.Item(sku: "sku-\($0)", available: $0, dailyDemand: 10) }
        let output: ReorderJob.Output = try await mesh.runJob("reorder", ReorderJob.Input(items: items, leadTimeDays: 5, safetyDays: 5, itemsPerUnit: 25), via: 2)
        // 100 needed per item over 10 days: items 0...99 need 100 - available.
        #expect(output.orders.count == 100)
        #expect(output.orders.first == ReorderJob.Order(sku: "sku-0", quantity: 100))
        #expect(output.totalUnits == (1...100).reduce(0, +))
    }
}
