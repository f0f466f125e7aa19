import Foundation
import OpenportAPI
import Query
import Records

/// What a line will cost before it runs (`explain`): the requests per resource and why,
/// what the cache holds, and where each stage runs.
struct CostEstimate: Equatable {
    /// The requests one resource (or path) will take.
    struct Read: Equatable {
        var what: String
        var requests: Int
        /// False when the figure is a guess (a size not known, a write that may fail first).
        var exact: Bool
        var why: String
    }

    var reads: [Read] = []
    /// Where the stages run, one line each.
    var stages: [String] = []
    /// What the cache holds afterwards, and what else to know.
    var notes: [String] = []
    /// Resources whose size the estimate needed and did not have.
    var unknownSizes: Set<Resource> = []

    var requests: Int { reads.map(\.requests).reduce(0, +) }
    var exact: Bool { reads.allSatisfy(\.exact) && unknownSizes.isEmpty }
}

/// Estimates a line's cost from the decisions the shell will take when it runs it:
/// ``RecordSource/fetch(_:limit:)`` for each resource, ``ListRefresh/requests(cachedRows:)``
/// for a stale click log, ``PipelineRunner/joinedResources(for:from:)`` for `key.*` paths, and
/// the pipeline's ``Pipeline/fetchHint``. Sends nothing.
struct CostEstimator {
    let source: RecordSource
    /// Rows of resources that are not cached, counted by the caller (`explain` asks for them).
    var sizes: [Resource: Int] = [:]

    private var settings: Settings { source.settings }

    /// The estimate for a parsed line (saved queries already expanded).
    func estimate(_ pipeline: Pipeline, line: String) -> CostEstimate {
        var run = Run(estimator: self)
        run.command(pipeline, line: line)
        return run.estimate
    }

    /// Pages a scan of `rows` takes, `pageSize` a page, as the scan plans them.
    static func pages(rows: Int, pageSize: Int) -> Int { OpenportClient.scanRequests(rows: rows, pageSize: pageSize) }

    /// One line's estimate as it is built: resources read earlier in the line are fresh later.
    fileprivate struct Run {
        let estimator: CostEstimator
        var estimate = CostEstimate()
        /// Resources this line will have fetched by now.
        var fetched: Set<Resource> = []
        /// Resources `refresh` marks stale before it reads them (with `--full`, to be scanned).
        var staled: Set<Resource> = []
        var scanned: Set<Resource> = []

        mutating func command(_ pipeline: Pipeline, line: String) {
            let name = pipeline.command.name
            guard let spec = CommandCatalog.command(named: name)?.spec else { return }
            switch spec.reads {
            case .nothing:
                estimate.notes.append("'\(spec.name)' sends no request")
            case .listing(let resource):
                listing(pipeline, from: resource)
            case .every(let resource):
                read(resource)
            case .keys:
                keys(pipeline)
            case .path:
                path(pipeline)
            case .line:
                innerLine(line, command: spec.name)
            case .refresh:
                refresh(pipeline)
            }
        }

        /// `refresh [--full] [RESOURCE...]`: marks them stale and reads them now, the click
        /// log first (its refresh reads the keys afresh), as ``RefreshCommand`` does.
        mutating func refresh(_ pipeline: Pipeline) {
            let arguments = pipeline.command.arguments
            let full = arguments.contains { if case .flag("full") = $0.kind { return true } else { return false } }
            let named = arguments.compactMap { Resource(word: $0.text) }
            let marked = named.isEmpty ? Resource.allCases : named
            staled.formUnion(marked)
            if full { scanned.formUnion(marked.filter { estimator.source.cache.any($0) != nil }) }
            let held = marked.filter { !named.isEmpty || estimator.source.cache.any($0) != nil }
                .sorted { ($0 == .clicks ? 0 : 1) < ($1 == .clicks ? 0 : 1) }
            guard !held.isEmpty else { return estimate.notes.append("nothing is cached: nothing to fetch again") }
            for r in held { read(r) }
        }

        /// How ``RecordSource/rows(_:limit:)`` will get a resource's rows at this point of the line.
        func fetch(_ resource: Resource, limit: Int? = nil) -> RecordSource.Fetch {
            var source = estimator.source
            if staled.contains(resource) {
                var settings = source.settings
                settings.freshness[resource] = .zero
                source = RecordSource(client: source.client, cache: source.cache, settings: settings, progress: nil)
            }
            let fetch = source.fetch(resource, limit: limit)
            if scanned.contains(resource), case .refresh = fetch { return .scan }
            return fetch
        }

        /// A listing and its stages: what the stages need decides what is fetched.
        mutating func listing(_ pipeline: Pipeline, from resource: Resource) {
            for joined in PipelineRunner.joinedResources(for: pipeline, from: resource) {
                read(joined, purpose: "for the \(joined == .keys ? "key" : "session").* paths")
            }
            let names = pipeline.stages.map(\.stage.description)
            if pipeline.stages.last?.stage is Follow {
                read(resource)
                let every = DurationText.describe(estimator.settings.followInterval)
                estimate.notes.append("then every \(every) (follow.interval), until stopped: "
                    + (resource == .clicks ? "the click log brought up to date, as 'explain refresh clicks' shows" : "the sessions again (\(CostEstimator.pages(rows: size(of: resource) ?? 1, pageSize: estimator.settings.pageSize)) request)"))
                return
            }
            switch pipeline.fetchHint {
            case .countOnly:
                count(resource)
                estimate.stages.append("\(names.joined(separator: ", ")): the server's count answers it; no rows are read")
            case .firstN(let n):
                read(resource, limit: n)
                estimate.stages.append("\(names.joined(separator: ", ")): here, in opsh, over the first \(n) row\(n == 1 ? "" : "s")")
            case .all:
                read(resource)
                if !names.isEmpty { estimate.stages.append("\(names.joined(separator: ", ")): here, in opsh, over every row") }
            }
        }

        /// `clicks | count`: the cache's rows when fresh, else one request for one row.
        mutating func count(_ resource: Resource) {
            if reuses(resource) { return add(resource, 0, "counted in the rows this line fetched") }
            if case .cached(let entry) = fetch(resource) {
                return add(resource, 0, "counted in the cache: \(held(entry, resource))")
            }
            add(resource, 1, "1 request for 1 row: the count comes with it")
        }

        /// Every row of a resource (or the first `limit`), as ``RecordSource/rows(_:limit:)`` gets them.
        mutating func read(_ resource: Resource, limit: Int? = nil, purpose: String = "") {
            let why = purpose.isEmpty ? "" : "; " + purpose
            if reuses(resource) { return add(resource, 0, "fetched earlier in the line" + why) }
            let pageSize = estimator.settings.pageSize
            switch fetch(resource, limit: limit) {
            case .cached(let entry):
                add(resource, 0, "in the cache: \(held(entry, resource))" + why)
            case .first(let n):
                let page = max(1, min(n, pageSize))
                let requests = n <= pageSize ? 1 : CostEstimator.pages(rows: n, pageSize: pageSize)
                add(resource, requests, "only the first \(n) row\(n == 1 ? "" : "s"), at most \(page) a request (not kept)" + why)
            case .refresh(let entry, _, _):
                refresh(resource, entry)
            case .scan:
                scan(resource, why: why)
            }
        }

        /// Every row, in pages; kept for later lines. The clicks are read under the keys'
        /// names as they are before the scan (``RecordSource/fullScan(_:)``): the keys first.
        mutating func scan(_ resource: Resource, why: String) {
            if resource == .clicks, estimator.settings.useCache {
                read(.keys, purpose: "read first: the clicks are kept with the names of the keys they were read under")
            }
            fetched.insert(resource)
            let pageSize = estimator.settings.pageSize
            guard let rows = size(of: resource) else {
                estimate.unknownSizes.insert(resource)
                return add(resource, 0, "a scan of every row; how many there are is not known yet" + why, exact: false)
            }
            let pages = CostEstimator.pages(rows: rows, pageSize: pageSize)
            let cached = estimator.source.cache.any(resource)
            let state = cached == nil ? "not cached" : scanned.contains(resource) ? "read in full (--full)"
                : cached!.stale || staled.contains(resource) ? "the cached rows are stale (refresh)" : "the cached rows are older than ttl.\(resource.rawValue)"
            add(resource, pages, "\(state): a scan of \(DigitGroups.text(rows)) rows, \(pages) page\(pages == 1 ? "" : "s") of up to \(DigitGroups.text(pageSize)), \(estimator.settings.concurrency) at a time" + why)
            keep(resource)
        }

        /// A stale click log (``RecordSource/incremental``): the keys read afresh (a key renamed
        /// or deleted relabels its clicks in place) and, at the same time, the pages
        /// ``ListRefresh`` asks for; a full scan after them when they prove nothing.
        mutating func refresh(_ resource: Resource, _ entry: SessionCache.Entry) {
            if let keys = size(of: .keys) {
                let pages = CostEstimator.pages(rows: keys, pageSize: estimator.settings.pageSize)
                add(.keys, pages, "afresh, whatever the cache holds, beside the clicks' refresh: a key renamed or deleted since relabels its clicks in place (\(DigitGroups.text(keys)) rows, \(pages) page\(pages == 1 ? "" : "s"))")
            } else {
                estimate.unknownSizes.insert(.keys)
                add(.keys, 0, "afresh, beside the clicks' refresh; how many there are is not known yet", exact: false)
            }
            fetched.formUnion([.keys, resource])
            let requests = ListRefresh.requests(cachedRows: entry.records.count)
            // The wall time of the fetch: a stale entry's clock instant is set far back.
            let age = CacheCommand.age(max(0, Date().timeIntervalSince1970 - entry.fetchedWall))
            add(resource, requests, "\(DigitGroups.text(entry.records.count)) rows cached \(age) ago, stale: a refresh asks at once for both ends"
                + (requests > 2 ? " and a page from the middle" : "") + "; more only if over a page of rows is new, and a full scan if the rows prove nothing")
            keep(resource)
        }

        /// `keys`: the listing, one key (and what is shown with it), or a write.
        mutating func keys(_ pipeline: Pipeline) {
            let arguments = pipeline.command.arguments
            guard let first = arguments.first else { return listing(pipeline, from: .keys) }
            let rest = Array(arguments.dropFirst())
            switch first.text {
            case "add":
                add(.keys, 1, "one POST: the key is created")
            case "set", "replace":
                read(.keys, purpose: "to find the key")
                add(.keys, 1, "one \(first.text == "set" ? "PATCH" : "PUT"): the key is changed")
            case "rm":
                read(.keys, purpose: "to find the keys")
                let refs = rest.filter { if case .flag = $0.kind { return false } else { return true } }.count
                add(.keys, refs, "one DELETE a key, after a confirmation")
            default:
                read(.keys, purpose: "to find the key")
                if pipeline.stages.isEmpty, pipeline.redirect == nil, estimator.settings.format == .table {
                    read(.sessions, purpose: "for its live sessions")
                    estimate.notes.append("its clicks are counted in the click log the cache holds, never fetched for it")
                }
            }
        }

        /// `get PATH`: one request for a record or a page; a scan for a list.
        mutating func path(_ pipeline: Pipeline) {
            let path = pipeline.command.arguments.first.map { a -> String in
                if case .assignment(let n, let v, _) = a.kind { return n + "=" + v }
                return a.text
            } ?? ""
            let bare = path.split(separator: "?").first.map(String.init) ?? path
            let detail = bare.split(separator: "/").last.map { $0.allSatisfy(\.isNumber) } ?? false
            if detail || path.contains("limit=") || path.contains("offset=") {
                return add(path, 1, detail ? "one record" : "one page, as the path asks")
            }
            guard let resource = Resource(path: path), let rows = size(of: resource) else {
                if let resource = Resource(path: path) { estimate.unknownSizes.insert(resource) }
                return add(path, 0, "a scan of the list; its size is not known yet (a path that is not a list: 2)", exact: false)
            }
            let pages = CostEstimator.pages(rows: rows, pageSize: estimator.settings.pageSize)
            add(path, pages, "a scan of \(DigitGroups.text(rows)) rows, \(pages) page\(pages == 1 ? "" : "s") (get reads the server, never the cache)")
        }

        /// `watch [SECONDS] LINE`: the line's cost at each run; `explain LINE`: what explain asks.
        mutating func innerLine(_ line: String, command: String) {
            guard let inner = CompletionAnalyzer.innerLine(line, cursor: line.count, commands: CommandCatalog.syntax),
                  let pipeline = try? Interpreter.pipeline(of: inner.text) else { return }
            let estimate = estimator.estimate(pipeline, line: inner.text)
            if command == "explain" {
                let unknown = estimate.unknownSizes.sorted { $0.rawValue < $1.rawValue }
                for r in unknown { add(r, 1, "explain asks how many \(r.rawValue) there are (1 request for 1 row)") }
                if unknown.isEmpty { self.estimate.notes.append("explain sends no request: what it needs is known") }
                return
            }
            for r in estimate.reads { add(r.what, r.requests, "at the first run: " + r.why, exact: r.exact) }
            self.estimate.unknownSizes.formUnion(estimate.unknownSizes)
            self.estimate.notes.append("then again at each run, with fresh rows (the click log refreshed with only what is new), until stopped")
        }

        /// Whether the line has fetched the rows already and kept them (not with the cache off).
        func reuses(_ resource: Resource) -> Bool { estimator.settings.useCache && fetched.contains(resource) }

        /// The rows of a resource: as the cache holds them (stale ones too), else as counted.
        func size(of resource: Resource) -> Int? {
            estimator.sizes[resource] ?? estimator.source.cache.any(resource)?.records.count
        }

        /// What the cache holds of a resource: rows, age, how long it stays fresh.
        func held(_ entry: SessionCache.Entry, _ resource: Resource) -> String {
            let age = ContinuousClock.now - entry.fetchedAt
            let ttl = estimator.settings.freshness[resource] ?? .zero
            let left = max(Duration.zero, ttl - age)
            return "\(DigitGroups.text(entry.records.count)) rows fetched \(CacheCommand.age(Double(age.components.seconds))) ago, "
                + "fresh for \(CacheCommand.age(Double(left.components.seconds))) more (ttl.\(resource.rawValue))"
        }

        mutating func keep(_ resource: Resource) {
            guard estimator.settings.useCache else { return }
            let ttl = DurationText.describe(estimator.settings.freshness[resource] ?? .zero)
            estimate.notes.append("the \(resource.rawValue) are kept: for \(ttl) (ttl.\(resource.rawValue)) a line that reads them again costs no request")
        }

        mutating func add(_ resource: Resource, _ requests: Int, _ why: String, exact: Bool = true) {
            add(resource.rawValue, requests, why, exact: exact)
        }

        mutating func add(_ what: String, _ requests: Int, _ why: String, exact: Bool = true) {
            estimate.reads.append(CostEstimate.Read(what: what, requests: requests, exact: exact, why: why))
        }
    }
}

extension CostEstimate {
    /// The report `explain` prints: the requests (per resource, with why), where the stages
    /// run, what the cache holds afterwards.
    func report(line: String, probes: [Resource: Int]) -> String {
        var out = line + "\n"
        let total = exact ? "\(requests)" : requests == 0 ? "unknown" : "at least \(requests)"
        // In the order `set timing on` lists them.
        let order = Resource.allCases.map(\.rawValue)
        let perResource = Dictionary(grouping: reads.filter { $0.requests > 0 }, by: \.what)
            .sorted { (order.firstIndex(of: $0.key) ?? order.count, $0.key) < (order.firstIndex(of: $1.key) ?? order.count, $1.key) }
            .map { "\($0.key) \($0.value.map(\.requests).reduce(0, +))" }
        out += "requests  \(total)" + (perResource.count > 1 ? " (\(perResource.joined(separator: ", ")))" : "") + "\n"
        for read in reads {
            out += "  \(read.what): \(read.requests == 0 && read.exact ? "none" : (read.exact ? "" : "at least ") + "\(read.requests)"), \(read.why)\n"
        }
        for stage in stages { out += "stages    \(stage)\n" }
        for note in notes { out += "note      \(note)\n" }
        for (r, n) in probes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            out += "explain   asked the server how many \(r.rawValue) there are (\(DigitGroups.text(n))): 1 request, not counted above\n"
        }
        return out
    }
}
