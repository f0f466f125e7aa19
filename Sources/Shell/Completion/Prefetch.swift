import OpenportAPI
import Synchronization

/// Fetches a resource into the cache in the background, for the next TAB (completion never
/// waits on the network), one fetch per resource at a time.
final class Prefetch: Sendable {
    private let client: OpenportClient
    private let cache: SessionCache
    private let settings: @Sendable () -> Settings
    private let running = Mutex<Set<Resource>>([])

    init(client: OpenportClient, cache: SessionCache, settings: @escaping @Sendable () -> Settings) {
        self.client = client
        self.cache = cache
        self.settings = settings
    }

    func start(_ resource: Resource) {
        let settings = self.settings()
        guard settings.useCache else { return }
        let started = running.withLock { $0.insert(resource).inserted }
        guard started else { return }
        let source = RecordSource(client: client, cache: cache, settings: settings, progress: nil)
        Task.detached { [weak self] in
            _ = try? await source.all(resource)
            self?.running.withLock { _ = $0.remove(resource) }
        }
    }
}
