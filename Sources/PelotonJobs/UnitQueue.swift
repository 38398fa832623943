/// Work units waiting for a core on one node, best first: the higher job priority, then the
/// earlier job, then the lower unit index. A sorted array: a node's queue is short, and it
/// is read far more often than it grows.
public struct UnitQueue<Item: Sendable>: Sendable {
    public struct Entry: Sendable {
        public let priority: Int
        public let submittedAtMilliseconds: UInt64
        public let jobID: String
        public let unit: Int
        public let item: Item

        public init(priority: Int, submittedAtMilliseconds: UInt64, jobID: String, unit: Int, item: Item) {
            self.priority = priority
            self.submittedAtMilliseconds = submittedAtMilliseconds
            self.jobID = jobID
            self.unit = unit
            self.item = item
        }

        func comesBefore(_ other: Entry) -> Bool {
            (-priority, submittedAtMilliseconds, jobID, unit) < (-other.priority, other.submittedAtMilliseconds, other.jobID, other.unit)
        }
    }

    private var entries: [Entry] = []

    public init() {}

    public var count: Int { entries.count }

    public mutating func push(_ entry: Entry) {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].comesBefore(entry) { low = middle + 1 } else { high = middle }
        }
        entries.insert(entry, at: low)
    }

    public mutating func popBest() -> Entry? {
        entries.isEmpty ? nil : entries.removeFirst()
    }

    /// Removes and returns every entry of `jobID` (it was cancelled).
    public mutating func removeAll(ofJob jobID: String) -> [Entry] {
        let removed = entries.filter { $0.jobID == jobID }
        entries.removeAll { $0.jobID == jobID }
        return removed
    }
}
