import Dispatch

/// Runs the emulator's tasks on threads of their own rather than Swift's cooperative pool.
///
/// The pool has one thread per core (two here). A test that waits for a process it started
/// (opsh at a pseudo-terminal, in a pipe) holds one of them for as long as the process runs; two
/// such tests at once would leave no thread for an emulator in the same process to answer on,
/// and every request to it would time out. The tasks the server starts (a connection, a request)
/// inherit this executor, so the server answers whatever the tests are doing.
final class ServerExecutor: TaskExecutor {
    static let shared = ServerExecutor()

    /// A concurrent queue: Dispatch adds threads while its jobs wait, unlike the cooperative pool.
    private let queue = DispatchQueue(label: "opsh-emulator.server", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
