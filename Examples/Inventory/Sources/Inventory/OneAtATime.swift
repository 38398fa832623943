/// Runs the work for one key at a time, in arrival order; different keys run side by side.
/// Two reservations of one SKU must not both read the stock before either takes from it.
actor OneAtATime {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    func run<T: Sendable>(_ key: String, _ work: @Sendable () async throws -> T) async throws -> T {
        if busy.contains(key) {
            await withCheckedContinuation { waiting[key, default: []].append($0) }
        } else {
            busy.insert(key)
        }
        defer { handOn(key) }
        return try await work()
    }

    /// The next waiter for `key` takes its turn; with none, the key is free.
    private func handOn(_ key: String) {
        guard var queue = waiting[key], !queue.isEmpty else {
            busy.remove(key)
            waiting[key] = nil
            return
        }
        let next = queue.removeFirst()
        waiting[key] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
