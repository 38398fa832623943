// `Tools/bench SUITE`: speed measurements, never pass/fail. Build with -c release.
let suites: [String: () throws -> Void] = [
    "crypto": runCryptoBench,
    "membership": runMembershipBench,
    "scale": runScaleBench,
]

let arguments = Array(CommandLine.arguments.dropFirst())
let requested = arguments.isEmpty ? suites.keys.sorted() : arguments
for name in requested {
    guard let suite = suites[name] else {
        print("unknown bench '\(name)'; known: \(suites.keys.sorted().joined(separator: ", "))")
        exit(2)
    }
    try suite()
}

#if canImport(Glibc)
import Glibc
#endif
