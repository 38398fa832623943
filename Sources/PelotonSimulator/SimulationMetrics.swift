import PelotonMembership

/// What the simulation measures while it runs: detection of each crash, false accusations,
/// traffic, and how many nodes have the right view at each second.
struct SimulationMetrics {
    struct CrashRecord {
        let node: Int
        let at: Int64
        var firstSuspect: Int64?
        var firstDead: Int64?
        var allDead: Int64?
        var declaredBy = Set<Int>()
        var closed = false
    }

    struct Second {
        var datagrams = 0
        var bytes = 0
        var suspicions = 0
        var deaths = 0
        var running = 0
        var agreeing = 0
    }

    let nodeCount: Int
    var running = Set<Int>()
    var crashes: [CrashRecord] = []
    var openCrash: [Int: Int] = [:]
    var falseDeaths = 0
    var falseDeathDetails: [String] = []
    var falseSuspicions = 0
    var datagrams = 0
    var datagramBytes = 0
    var streamMessages = 0
    var streamBytes = 0
    var dropped = 0
    /// Claims some node did not believe (forged, or by or about a revoked member).
    var claimsRejected = 0
    var nodeSeconds: Double = 0
    var lastAccountedAt: Int64 = 0
    var lastFaultAt: Int64 = 0
    var lastDisagreementAt: Int64?
    var timeline: [Second] = [Second()]
    var violations: [String] = []

    init(nodeCount: Int) {
        self.nodeCount = nodeCount
    }

    private mutating func accountNodeTime(until time: Int64) {
        nodeSeconds += Double(running.count) * Double(time - lastAccountedAt) / 1e9
        lastAccountedAt = time
    }

    private mutating func second(_ time: Int64) -> Int {
        let index = Int(time / 1_000_000_000)
        while timeline.count <= index { timeline.append(Second()) }
        return index
    }

    mutating func nodeStarted(_ index: Int, at time: Int64) {
        accountNodeTime(until: time)
        running.insert(index)
        if let open = openCrash.removeValue(forKey: index) { crashes[open].closed = true }
    }

    mutating func nodeStopped(_ index: Int, at time: Int64, crashed: Bool) {
        accountNodeTime(until: time)
        running.remove(index)
        if crashed {
            openCrash[index] = crashes.count
            crashes.append(CrashRecord(node: index, at: time))
        }
        faultHappened(at: time)
    }

    mutating func faultHappened(at time: Int64) {
        lastFaultAt = max(lastFaultAt, time)
    }

    mutating func sent(bytes: Int, stream: Bool, from _: Int, at time: Int64) {
        if stream {
            streamMessages += 1
            streamBytes += bytes
        } else {
            datagrams += 1
            datagramBytes += bytes
            let index = second(time)
            timeline[index].datagrams += 1
            timeline[index].bytes += bytes
        }
    }

    mutating func observe(_ status: MemberStatus, of subject: Int, by observer: Int, subjectRunning: Bool, reachable: Bool, at time: Int64) {
        let index = second(time)
        switch status {
        case .suspect:
            timeline[index].suspicions += 1
            if let open = openCrash[subject] {
                crashes[open].firstSuspect = crashes[open].firstSuspect ?? time
            } else if subjectRunning {
                falseSuspicions += 1
            }
        case .dead, .left:
            if status == .dead { timeline[index].deaths += 1 }
            if let open = openCrash[subject] {
                crashes[open].firstDead = crashes[open].firstDead ?? time
                crashes[open].declaredBy.insert(observer)
                if crashes[open].allDead == nil, crashes[open].declaredBy.count >= running.count,
                   running.isSubset(of: crashes[open].declaredBy) {
                    crashes[open].allDead = time
                }
            } else if subjectRunning && status == .dead && reachable {
                falseDeaths += 1
                if falseDeathDetails.count < 10 {
                    falseDeathDetails.append("node \(observer) declared running node \(subject) dead at \(Double(time) / 1e9)s")
                }
            }
        case .alive:
            break
        }
    }

    mutating func sampled(at time: Int64, running runningCount: Int, agreeing: Int) {
        let index = second(time - 1)
        timeline[index].running = runningCount
        timeline[index].agreeing = agreeing
        if agreeing != runningCount { lastDisagreementAt = time }
    }

    mutating func finish(at time: Int64) {
        accountNodeTime(until: time)
    }
}
