/// How much an HTTP client may send and how long it may take, per node. The timeouts are
/// nginx's defaults (60 s for a request's head or a pause in its body, 75 s for an idle
/// kept-alive connection); the sizes are nginx's 8 KB request line and a little more room for
/// headers than its four 8 KB buffers.
public struct HTTPLimits: Sendable, Equatable {
    /// From connecting, or from the end of one answer on a fresh connection, to a request's
    /// complete head.
    public var headerTimeoutMilliseconds: Int64 = 60_000
    /// An idle kept-alive connection is closed after this long.
    public var keepAliveTimeoutMilliseconds: Int64 = 75_000
    /// The longest pause between two parts of a request's body.
    public var bodyTimeoutMilliseconds: Int64 = 60_000
    /// The request line plus every header, in bytes (431 beyond).
    public var maxHeaderBytes = 32 * 1024
    /// One header field, name and value, in bytes (431 beyond). The request line counts as one.
    public var maxHeaderFieldBytes = 8 * 1024
    /// Headers in one request (431 beyond).
    public var maxHeaderCount = 100
    /// Open connections to the node's HTTP API at once; more are answered 503 and closed.
    public var maxConnections = 8_192
    /// Open connections from one client address at once; more are answered 503 and closed.
    public var maxConnectionsPerClient = 1_024

    public init() {}
}
