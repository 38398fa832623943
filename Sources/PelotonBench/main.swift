// `Tools/bench SUITE...`: speed and protocol measurements, never pass/fail. Build with -c release.
#if canImport(Glibc)
import Glibc
#endif

let suites: [String: () async throws -> Void] = [
    "crypto": runCryptoBench,
    "membership": runMembershipBench,
    "membership-real": runRealMeshBench,
    "scale": runScaleBench,
]
/// The heavy suites (real processes, 11 GiB of simulated mesh) run only when named.
let quickSuites = ["crypto", "membership"]

let arguments = Array(CommandLine.arguments.dropFirst())
let requested = arguments.isEmpty ? quickSuites : arguments
for name in requested {
    guard let suite = suites[name] else {
        print("unknown bench '\(name)'; known: \(suites.keys.sorted().joined(separator: ", "))")
        exit(2)
    }
    try await suite()
}
