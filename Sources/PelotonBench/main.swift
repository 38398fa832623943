// `Tools/bench SUITE...`: speed and protocol measurements, never pass/fail. Build with -c release.
#if canImport(Glibc)
import Glibc
#endif

let suites: [String: () async throws -> Void] = [
    "crypto": runCryptoBench,
    "membership": runMembershipBench,
    "membership-real": runRealMeshBench,
    "scale": runScaleBench,
    "placement": runPlacementBench,
    "routing": runRoutingBench,
    "routing-ab": runRoutingABBench,
    "tracing": runTracingBench,
    "rolling": runRollingRestartBench,
    "jobs": runJobsBench,
    "services": runServicesBench,
    "state": runStateBench,
    "state-merge": runMergeBench,
    "state-converge": runConvergenceBench,
    "state-prune": runPruningBench,
]
/// The heavy suites (real processes, 11 GiB of simulated mesh) run only when named.
let quickSuites = ["crypto", "membership", "placement", "services"]

let arguments = Array(CommandLine.arguments.dropFirst())
// The routing bench starts this binary again as its baseline server.
if arguments.first == "hello-server", arguments.count == 2, let port = Int(arguments[1]) {
    try await runHelloServer(port: port)
    exit(0)
}
let requested = arguments.isEmpty ? quickSuites : arguments
for name in requested {
    guard let suite = suites[name] else {
        print("unknown bench '\(name)'; known: \(suites.keys.sorted().joined(separator: ", "))")
        exit(2)
    }
    try await suite()
}
