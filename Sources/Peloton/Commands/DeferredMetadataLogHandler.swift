import Logging

/// Standard-error logging that renders metadata only for a message actually written.
/// `StreamLogHandler` renders its metadata again each time it is set, and Hummingbird sets a
/// request id on the logger of every HTTP request: under load that rendering cost more CPU
/// than the node's own logging, which below `notice` writes nothing per request.
struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        stream = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        stream.logLevel = level
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        stream.log(event: event)
    }
}
