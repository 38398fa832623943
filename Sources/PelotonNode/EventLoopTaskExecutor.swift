import NIOCore

/// Runs a task's jobs on one event loop. An owner reads a call stream with it and runs the
/// calls of services whose handlers are quick (`HandlerPlacement.eventLoop`) with it too; a
/// node runs each HTTP connection with it (`ConnectionsOnTheirLoops`). A call then goes from
/// socket to reply without a thread switch, where the shared pool costs a wake-up and a
/// hand-over each way.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

