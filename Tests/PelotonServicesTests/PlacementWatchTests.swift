import PelotonCrypto
import PelotonServices
import Testing

@Suite struct PlacementWatchTests {
    let a = NodeID(high: 1, low: 1), b = NodeID(high: 2, low: 2), c = NodeID(high: 3, low: 3)

    @Test func firstOwnersArePlacedThenChangesAreMovesAndLastOwnerGoneIsUnplaced() {
        var watch = PlacementWatch()
        #expect(watch.update(["echo": [a, b], "counter": [b]]) == [
            PlacementChange(service: "counter", kind: .placed, owners: [b], previous: []),
            PlacementChange(service: "echo", kind: .placed, owners: [a, b], previous: []),
        ])
        // The same view again says nothing.
        #expect(watch.update(["echo": [a, b], "counter": [b]]).isEmpty)
        // A new preference order is a move too: the first owner answers unkeyed calls.
        #expect(watch.update(["echo": [b, a], "counter": [b]]) == [PlacementChange(service: "echo", kind: .moved, owners: [b, a], previous: [a, b])])
        // No owners and no entry are the same: the service is gone from this view.
        #expect(watch.update(["echo": [b, a], "counter": []]) == [PlacementChange(service: "counter", kind: .unplaced, owners: [], previous: [b])])
        #expect(watch.update(["echo": [b, a]]).isEmpty)
        #expect(watch.owners == ["echo": [b, a]])
    }
}
