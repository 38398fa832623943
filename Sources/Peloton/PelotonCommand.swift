import ArgumentParser
import Foundation
import PelotonJobs
import PelotonServices

/// The whole `peloton` command line for an executable of one's own: its nodes offer the
/// services and run the jobs it was built with.
///
/// ```swift
/// @main struct Shop {
///     static func main() async {
///         await PelotonCommand.main(services: [try Inventory.definition()], jobs: [try Restock.definition()])
///     }
/// }
/// ```
///
/// `shop node --services inventory --seed ...`, `shop call ...`, `shop state ...`, `shop job ...`,
/// `shop drain`, `shop simulate ...` then take the same flags as `peloton`.
public enum PelotonCommand {
    /// Parses the process's arguments and runs the command they name; exits the process with
    /// a message and status 1 when the services or jobs cannot be built or the command fails.
    /// On the main actor, as an executable's `main` is.
    @MainActor
    public static func main(
        services: @autoclosure () throws -> [ServiceDefinition], jobs: @autoclosure () throws -> [JobDefinition] = []
    ) async {
        let catalog: ServiceCatalog
        do {
            catalog = try ServiceCatalog(services: services(), jobs: jobs())
        } catch {
            FileHandle.standardError.write(Data("\(MeshCommand.executableName): \(error)\n".utf8))
            exit(1)
        }
        await ServiceCatalog.$current.withValue(catalog) {
            await MeshCommand.main()
        }
    }
}

/// The root command, named after the executable that runs it.
struct MeshCommand: AsyncParsableCommand {
    static var executableName: String {
        CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "peloton"
    }

    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: executableName,
            abstract: "A masterless service mesh: SWIM membership, consistent-hash placement, CRDT state.",
            discussion: ServiceCatalog.current.services.isEmpty
                ? "" : "Services this binary offers: \(ServiceCatalog.current.names.joined(separator: ", ")).",
            subcommands: [
                Keygen.self, Identity.self, NodeCommand.self, StatusCommand.self, MembersCommand.self, CallCommand.self, RingCommand.self,
                StateCommand.self, PublishCommand.self, SubscribeCommand.self, RevokeCommand.self, DrainCommand.self, JobCommand.self,
                Simulate.self,
            ]
        )
    }
}
