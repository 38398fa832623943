import Synchronization

/// Runs `body`, cancelling it and throwing `TimedOut` when it takes longer than `limit`.
func withTimeLimit<Result: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(limit: limit)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimedOut(limit: limit) }
        return first
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "timed out after \(limit)" }
}

extension Task where Failure == Never {
    /// The task's value, or nil when it is not ready within `limit`; the task itself runs on.
    /// Unlike `withTimeLimit`, this returns at the limit even when the work ignores
    /// cancellation (a service handler may).
    func value(within limit: Duration) async -> Success? {
        let decided = FirstCome()
        return await withCheckedContinuation { continuation in
            let timer = Task<Void, Never> {
                try? await Task<Never, Never>.sleep(for: limit)
                if decided.claim() { continuation.resume(returning: nil) }
            }
            Task<Void, Never> {
                let value = await self.value
                timer.cancel()
                if decided.claim() { continuation.resume(returning: value) }
            }
        }
    }
}

/// True for the first caller of `claim()` only.
private final class FirstCome: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
