// What a service or job author needs from one `import Peloton`: typed services and their
// calls, replicated state, events, jobs, and the node and client for code that runs them.
@_exported import PelotonCrypto
@_exported import PelotonEvents
@_exported import PelotonJobs
@_exported import PelotonMembership
@_exported import PelotonNode
@_exported import PelotonNodeCore
@_exported import PelotonServices
@_exported import PelotonState
