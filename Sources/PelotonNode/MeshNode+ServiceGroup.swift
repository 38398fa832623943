import Logging
import ServiceLifecycle
import UnixSignals

extension MeshNode {
    /// The node and its HTTP API as one service group, with `first` (a span exporter) before
    /// them. Shutdown runs in reverse order: the node drains and leaves (and gossips it) while
    /// the API still answers, then the API stops, then `first` (the last spans are sent). A node
    /// that finishes by itself (drained on `POST /v1/drain`) stops the group.
    public nonisolated func serviceGroup(
        api: some Service, first: [any Service] = [], gracefulShutdownSignals: [UnixSignal] = [], logger: Logger
    ) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: first.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                    + [.init(service: api), .init(service: self, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
    }
}
