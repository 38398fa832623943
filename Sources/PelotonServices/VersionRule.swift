import PelotonCrypto

/// Which owners' versions a call accepts, for rolling upgrades where two versions of a service
/// run side by side: any (the ring's order), exactly one version, or any with the newest
/// first. Chosen per call (`?version=` on the HTTP API).
public enum VersionRule: Equatable, Sendable {
    case any
    case exactly(String)
    case preferNewest

    /// `?version=`: absent is `any`, `newest` prefers the newest, anything else is exact.
    public init(query: String?) {
        switch query {
        case nil, "": self = .any
        case "newest": self = .preferNewest
        case let .some(version): self = .exactly(version)
        }
    }

    /// The owners of a key under this rule. `preference` is the ring's whole preference list
    /// for the key (every member offering the service, nearest first); `versions` says which
    /// version each offers. An exact version takes the first `replicas` members offering it,
    /// so its placement is as stable as the ring's; none offering it is a clear failure.
    public func owners(
        preference: [NodeID], replicas: Int, versions: [NodeID: String], service: String
    ) -> Result<[NodeID], CallFailure> {
        switch self {
        case .any:
            return .success(Array(preference.prefix(replicas)))
        case let .exactly(version):
            let offering = preference.filter { versions[$0] == version }
            guard !offering.isEmpty else {
                let offered = Set(preference.compactMap { versions[$0] }).sorted(by: ServiceVersion.isNewer).joined(separator: ", ")
                return .failure(CallFailure(.noOwners, status: 404, "no member offers \(service) \(version)" + (offered.isEmpty ? "" : " (offered: \(offered))")))
            }
            return .success(Array(offering.prefix(replicas)))
        case .preferNewest:
            let owners = Array(preference.prefix(replicas))
            // Stable: among owners of one version, the ring's order stands.
            return .success(owners.enumerated().sorted { first, second in
                let (a, b) = (versions[first.element] ?? "", versions[second.element] ?? "")
                return a != b ? ServiceVersion.isNewer(a, than: b) : first.offset < second.offset
            }.map(\.element))
        }
    }
}

/// Service versions compared as people write them: dot-separated parts, numeric parts as
/// numbers (`1.10.0` is newer than `1.9.2`), a number newer than text at the same place
/// (`1.2.0` over `1.2.rc1`, a pre-release), text against text alphabetically, and more parts
/// newer when the rest is equal (`1.2.1` over `1.2`).
public enum ServiceVersion {
    public static func isNewer(_ a: String, than b: String) -> Bool {
        let left = a.split(separator: ".", omittingEmptySubsequences: false)
        let right = b.split(separator: ".", omittingEmptySubsequences: false)
        for (x, y) in zip(left, right) where x != y {
            switch (Int(x), Int(y)) {
            case let (.some(m), .some(n)): return m > n
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return x > y
            }
        }
        return left.count > right.count
    }
}
