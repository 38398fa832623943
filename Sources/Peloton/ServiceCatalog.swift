import PelotonJobs
import PelotonServices

/// What an executable was built with: the services its nodes may offer (`node --services`)
/// and the jobs they run.
public struct ServiceCatalog: Sendable {
    public let services: [ServiceDefinition]
    public let jobs: [JobDefinition]

    public init(services: [ServiceDefinition], jobs: [JobDefinition] = []) throws {
        for (kind, names) in [("service", services.map(\.name)), ("job", jobs.map(\.name))] {
            var seen: Set<String> = []
            for name in names where !seen.insert(name).inserted {
                throw ServiceDefinitionError("two \(kind)s are named \(name); each \(kind) of a binary needs its own name")
            }
        }
        self.services = services
        self.jobs = jobs
    }

    public var names: [String] { services.map(\.name) }

    /// The services named `NAME` or `NAME@VERSION`: the same code announced under another
    /// version, for a rolling upgrade where two versions run side by side.
    public func definitions(named entries: [String]) throws -> [ServiceDefinition] {
        try entries.map { entry in
            let parts = entry.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let definition = services.first(where: { $0.name == parts[0] }) else {
                throw ServiceDefinitionError.unknown(parts[0], known: names)
            }
            return parts.count > 1 ? try definition.announced(asVersion: parts[1]) : definition
        }
    }

    /// The catalog of the command line being run (`PelotonCommand.main`).
    @TaskLocal static var current = ServiceCatalog(uncheckedServices: [], jobs: [])

    private init(uncheckedServices: [ServiceDefinition], jobs: [JobDefinition]) {
        services = uncheckedServices
        self.jobs = jobs
    }
}
