import OpenportAPI
import Query
import Synchronization

extension Interpreter {
    /// TAB: analyses the line, then offers what the cache holds. Never waits on the network:
    /// a resource that is not cached yet is fetched in the background for the next TAB.
    public var completer: Completer {
        let saved = self.saved
        let engine = CompletionEngine(cache: cache, values: valueIndex, prefetch: { [weak self] r in self?.prefetch(r) },
                                      stageNames: StageCatalog.all.map { $0.name }, savedQueries: { saved.all })
        return { line, cursor in engine.complete(line, cursor: cursor) }
    }

    /// Fetches a resource into the cache in the background, once at a time.
    func prefetch(_ resource: Resource) {
        guard settings.useCache else { return }
        let started = prefetching.withLock { $0.insert(resource).inserted }
        guard started else { return }
        let source = RecordSource(client: client, cache: cache, settings: settings, progress: nil)
        Task.detached { [weak self] in
            _ = try? await source.all(resource)
            self?.prefetching.withLock { _ = $0.remove(resource) }
        }
    }
}
