import Synchronization

/// Batches of records (pages) flowing from a producer to one consumer, in order, through a
/// bounded buffer: when the consumer is slow, the producer's ``Producer/send(_:)`` waits, so
/// a slow reader (a pipe, a disk, a person at a pager) slows the fetching instead of growing
/// memory.
///
/// The producer runs in a task of its own, started when the consumer first asks for a batch
/// (a pipeline that is satisfied before it reads, `first 0`, fetches nothing):
///
///     let pages = RecordBatches { out in
///         for page in pages { try await out.send(page.results) }
///     }
///     for try await batch in pages { ... }
///
/// The stream ends when the producer returns, with its error when it throws. When the
/// consumer stops early (its task is cancelled, or it drops the sequence), the producer's
/// task is cancelled and its next `send` throws `CancellationError`. A consumer cancelled
/// while waiting sees the end of the stream (nil), as with `AsyncThrowingStream`.
public struct RecordBatches: AsyncSequence, Sendable {
    public typealias Element = [Record]
    public typealias Failure = any Error

    /// Batches held at most between producer and consumer: a few pages.
    public static let defaultCapacity = 4

    let channel: Channel
    /// Ends the stream when the last copy of the sequence and of its iterators is gone.
    let owner: Owner
    /// The rows it replays, when they are packed rows in memory: a pipeline may read their
    /// columns instead of the records (see ``replay(_:)-(PackedRows)``).
    public let packed: PackedRows?
    /// For batches whose source is known only later (see ``deferred(_:)``): that source.
    let source: (@Sendable () async throws -> RecordBatches)?

    /// Runs `produce` in a task of its own once the consumer first asks; what it sends is
    /// what the sequence yields.
    public init(capacity: Int = RecordBatches.defaultCapacity,
                _ produce: @escaping @Sendable (Producer) async throws -> Void) {
        self.init(capacity: capacity, packed: nil, source: nil, produce)
    }

    private init(capacity: Int, packed: PackedRows?, source: (@Sendable () async throws -> RecordBatches)?,
                 _ produce: @escaping @Sendable (Producer) async throws -> Void) {
        let channel = Channel(capacity: Swift.max(1, capacity), produce: produce)
        self.channel = channel
        owner = Owner(channel)
        self.packed = packed
        self.source = source
    }

    /// Batches that `source` gives, once it is awaited (when the consumer first asks, or
    /// ``resolved()`` is called): a source that decides late between rows at hand (packed,
    /// for a pipeline to read by columns) and a fetch that streams.
    public static func deferred(_ source: @escaping @Sendable () async throws -> RecordBatches) -> RecordBatches {
        RecordBatches(capacity: 1, packed: nil, source: source) { out in
            for try await batch in try await source() { try await out.send(batch) }
        }
    }

    /// These batches, or what a deferred source (``deferred(_:)``) gives, awaited. Read
    /// either these batches or the resolved ones, not both.
    public func resolved() async throws -> RecordBatches {
        var current = self
        while let source = current.source { current = try await source() }
        return current
    }

    /// Rows already in memory, as one batch (sharing their storage, not copying it).
    public static func replay(_ records: [Record]) -> RecordBatches {
        RecordBatches { out in if !records.isEmpty { try await out.send(records) } }
    }

    /// Packed rows, made into records a batch at a time as they are read; a pipeline that
    /// can reads their columns instead (``packed``).
    public static func replay(_ rows: PackedRows) -> RecordBatches {
        RecordBatches(capacity: 2, packed: rows, source: nil) { out in
            for batch in rows.batches { try await out.send(batch) }
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(channel: channel, owner: owner) }

    public struct Iterator: AsyncIteratorProtocol {
        let channel: Channel
        let owner: Owner

        public mutating func next() async throws -> [Record]? {
            try await channel.receive()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> [Record]? {
            try await channel.receive()
        }
    }

    /// The sending end, handed to the producer.
    public struct Producer: Sendable {
        let channel: Channel

        /// Hands a batch to the consumer, waiting while the buffer is full. Throws
        /// `CancellationError` once the consumer has stopped (or the producer's task is cancelled).
        public func send(_ batch: [Record]) async throws {
            guard !batch.isEmpty else { return }
            try await channel.send(batch)
        }
    }

    /// The consumer side's lifetime: when no copy is left, the producer is stopped.
    final class Owner: Sendable {
        let channel: Channel
        init(_ channel: Channel) { self.channel = channel }
        deinit { channel.terminate() }
    }

    /// The buffer, and whoever waits on it.
    final class Channel: Sendable {
        struct State {
            var buffer: [[Record]] = []
            var head = 0
            /// Set once the producer has finished: nil error for a clean end.
            var finished: (any Error)?? = nil
            /// Set when the consumer has stopped.
            var terminated = false
            var receiver: CheckedContinuation<[Record]?, any Error>?
            var senders: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
            var nextSender = 0
            var task: Task<Void, Never>?
            var pending: Int { buffer.count - head }
        }

        let capacity: Int
        let state = Mutex(State())
        let produce: Mutex<(@Sendable (Producer) async throws -> Void)?>

        init(capacity: Int, produce: @escaping @Sendable (Producer) async throws -> Void) {
            self.capacity = capacity
            self.produce = Mutex(produce)
        }

        /// Starts the producer, once, on the consumer's first request.
        func start() {
            guard let produce = produce.withLock({ p in defer { p = nil }; return p }) else { return }
            let task = Task {
                do {
                    try await produce(Producer(channel: self))
                    self.finish(nil)
                } catch {
                    self.finish(error)
                }
            }
            let cancel = state.withLock { s -> Bool in
                s.task = task
                return s.terminated
            }
            if cancel { task.cancel() }
        }

        func send(_ batch: [Record]) async throws {
            try Task.checkCancellation()
            let id = state.withLock { s -> Int in
                s.nextSender += 1
                return s.nextSender
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    let action = state.withLock { s -> SendAction in
                        if s.terminated || Task.isCancelled { return .fail(c) }
                        if let receiver = s.receiver {
                            s.receiver = nil
                            return .handOver(receiver, c)
                        }
                        s.buffer.append(batch)
                        if s.pending <= capacity { return .done(c) }
                        // Over capacity: the batch is queued, and the sender waits for room.
                        s.senders.append((id, c))
                        return .wait
                    }
                    switch action {
                    case .fail(let c): c.resume(throwing: CancellationError())
                    case .handOver(let receiver, let c):
                        receiver.resume(returning: batch)
                        c.resume()
                    case .done(let c): c.resume()
                    case .wait: break
                    }
                }
            } onCancel: {
                let waiting = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                    guard let i = s.senders.firstIndex(where: { $0.id == id }) else { return nil }
                    return s.senders.remove(at: i).continuation
                }
                waiting?.resume(throwing: CancellationError())
            }
        }

        enum SendAction {
            case fail(CheckedContinuation<Void, any Error>)
            case handOver(CheckedContinuation<[Record]?, any Error>, CheckedContinuation<Void, any Error>)
            case done(CheckedContinuation<Void, any Error>)
            case wait
        }

        func receive() async throws -> [Record]? {
            if Task.isCancelled {
                terminate()
                return nil
            }
            start()
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<[Record]?, any Error>) in
                    let (result, wake): (Result<[Record]?, any Error>?, CheckedContinuation<Void, any Error>?) = state.withLock { s in
                        if s.pending > 0 {
                            let batch = s.buffer[s.head]
                            s.head += 1
                            if s.head > 64, s.head * 2 > s.buffer.count {
                                s.buffer.removeFirst(s.head)
                                s.head = 0
                            }
                            let wake = s.pending <= capacity && !s.senders.isEmpty ? s.senders.removeFirst().continuation : nil
                            return (.success(batch), wake)
                        }
                        if let finished = s.finished {
                            // Reported once: later calls see a clean end.
                            s.finished = .some(nil)
                            s.buffer = []
                            s.head = 0
                            if let error = finished { return (.failure(error), nil) }
                            return (.success(nil), nil)
                        }
                        if s.terminated { return (.success(nil), nil) }
                        s.receiver = c
                        return (nil, nil)
                    }
                    wake?.resume()
                    if let result { c.resume(with: result) }
                }
            } onCancel: {
                terminate()
            }
        }

        func finish(_ error: (any Error)?) {
            let receiver = state.withLock { s -> CheckedContinuation<[Record]?, any Error>? in
                guard s.finished == nil else { return nil }
                s.finished = .some(error)
                s.task = nil
                guard s.pending == 0, let r = s.receiver else { return nil }
                s.receiver = nil
                s.finished = .some(nil)
                return r
            }
            guard let receiver else { return }
            if let error { receiver.resume(throwing: error) } else { receiver.resume(returning: nil) }
        }

        /// The consumer has stopped: wake everyone, drop the buffer, cancel the producer.
        func terminate() {
            // A producer never started never will.
            produce.withLock { $0 = nil }
            let (receiver, senders, task) = state.withLock { s in
                s.terminated = true
                s.buffer = []
                s.head = 0
                let r = s.receiver
                s.receiver = nil
                let w = s.senders.map(\.continuation)
                s.senders = []
                let t = s.task
                s.task = nil
                return (r, w, t)
            }
            receiver?.resume(returning: nil)
            for w in senders { w.resume(throwing: CancellationError()) }
            task?.cancel()
        }
    }
}
