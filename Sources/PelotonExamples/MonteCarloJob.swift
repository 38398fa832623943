import PelotonJobs

/// The demo's job: estimates π by throwing `samples` seeded random points at a unit square,
/// split into `units` work units that run on whichever nodes own them. The same input always
/// gives the same estimate, wherever and however often each unit runs. `pauseMilliseconds`
/// adds a wait to every unit, to watch progress (or to kill a node mid-job) by hand.
public struct MonteCarloJob: Job {
    public struct Input: Codable, Sendable {
        public var samples: Int
        public var units: Int
        public var seed: UInt64?
        public var pauseMilliseconds: Int?

        public init(samples: Int, units: Int, seed: UInt64? = nil, pauseMilliseconds: Int? = nil) {
            self.samples = samples
            self.units = units
            self.seed = seed
            self.pauseMilliseconds = pauseMilliseconds
        }
    }

    public struct Unit: Codable, Sendable {
        public var index: Int
        public var samples: Int
        public var seed: UInt64
        public var pauseMilliseconds: Int
    }

    public struct Partial: Codable, Sendable {
        public var inside: Int
        public var samples: Int
    }

    public struct Output: Codable, Sendable {
        public var estimate: Double
        public var inside: Int
        public var samples: Int
        public var units: Int
    }

    public init() {}

    public static func definition() throws -> JobDefinition {
        try JobDefinition(name: "montecarlo", MonteCarloJob())
    }

    public func split(_ input: Input) throws -> [Unit] {
        guard (1...10_000).contains(input.units) else { throw JobError("units must be 1 to 10000") }
        guard (input.units...1_000_000_000_000).contains(input.samples) else { throw JobError("samples must be from units to 10^12") }
        guard (0...60_000).contains(input.pauseMilliseconds ?? 0) else { throw JobError("pauseMilliseconds must be 0 to 60000") }
        let each = input.samples / input.units
        return (0..<input.units).map { index in
            // Each unit's seed is a hash of (seed, index): SplitMix streams whose seeds differ
            // by a multiple of its step would replay each other's points.
            var mixer = (input.seed ?? 1) ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03)
            // The last unit takes the remainder, so the samples add up exactly.
            return Unit(index: index, samples: index == input.units - 1 ? input.samples - each * (input.units - 1) : each,
                        seed: Self.next(&mixer), pauseMilliseconds: input.pauseMilliseconds ?? 0)
        }
    }

    public func run(_ unit: Unit) async throws -> Partial {
        if unit.pauseMilliseconds > 0 { try await Task.sleep(for: .milliseconds(unit.pauseMilliseconds)) }
        var state = unit.seed
        var inside = 0
        for done in 0..<unit.samples {
            // Cancellation reaches a long unit between chunks of points.
            if done & 0xFFFF == 0 { try Task.checkCancellation() }
            let x = Double(Self.next(&state) >> 11) / Double(1 << 53)
            let y = Double(Self.next(&state) >> 11) / Double(1 << 53)
            if x * x + y * y <= 1 { inside += 1 }
        }
        return Partial(inside: inside, samples: unit.samples)
    }

    public func combine(_ partials: [Partial]) throws -> Output {
        let inside = partials.reduce(0) { $0 + $1.inside }
        let samples = partials.reduce(0) { $0 + $1.samples }
        return Output(estimate: 4 * Double(inside) / Double(max(1, samples)), inside: inside, samples: samples, units: partials.count)
    }

    /// SplitMix64: fast, and the same on every machine.
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A pipeline's second stage for the Monte Carlo job: how far its estimate is from π, and
/// whether that is within two standard errors (it should be, 95% of the time). One unit;
/// its input is `MonteCarloJob.Output`, so `--then montecarlo-error` follows `montecarlo`.
public struct MonteCarloErrorJob: Job {
    public struct Output: Codable, Sendable {
        public var estimate: Double
        public var error: Double
        public var standardError: Double
        public var withinTwoStandardErrors: Bool
    }

    public init() {}

    public static func definition() throws -> JobDefinition {
        try JobDefinition(name: "montecarlo-error", MonteCarloErrorJob())
    }

    public func split(_ input: MonteCarloJob.Output) throws -> [MonteCarloJob.Output] {
        guard input.samples > 0 else { throw JobError("the estimate needs samples") }
        return [input]
    }

    public func run(_ unit: MonteCarloJob.Output) async throws -> Output {
        let hit = Double(unit.inside) / Double(unit.samples)
        let standardError = 4 * (hit * (1 - hit) / Double(unit.samples)).squareRoot()
        let error = unit.estimate - Double.pi
        return Output(estimate: unit.estimate, error: error, standardError: standardError, withinTwoStandardErrors: abs(error) <= 2 * standardError)
    }

    public func combine(_ partials: [Output]) throws -> Output {
        guard let only = partials.first else { throw JobError("no result") }
        return only
    }
}
