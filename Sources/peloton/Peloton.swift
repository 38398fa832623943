import ArgumentParser

@main
struct Peloton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peloton",
        abstract: "A masterless service mesh: SWIM membership, consistent-hash placement, CRDT state.",
        subcommands: [Keygen.self, Identity.self, NodeCommand.self, StatusCommand.self, MembersCommand.self, CallCommand.self, RingCommand.self, StateCommand.self, PublishCommand.self, SubscribeCommand.self, RevokeCommand.self, DrainCommand.self, JobCommand.self, Simulate.self]
    )
}
