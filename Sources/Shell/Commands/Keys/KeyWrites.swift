import OpenportAPI
import Query
import Records

/// `keys add` (POST), `keys set` (PATCH) and `keys replace` (PUT).
struct KeyWrites {
    let context: CommandContext

    func add(_ fields: [KeyField], pipeline: Pipeline) async throws {
        let body = try fields.map { ($0.name, try $0.value()) }
        let created = try await context.client.createKey(body)
        warnIgnored(body, in: created)
        context.cache.invalidate(.keys)
        context.output.message("created key \(created["id"].plainText)\n")
        try await showWritten(created, pipeline: pipeline)
    }

    func change(_ ref: KeyRef, _ fields: [KeyField], replace: Bool, pipeline: Pipeline) async throws {
        let sent = try fields.map { ($0.name, try $0.value()) }
        let key = try await KeyLookup(context: context).resolve(ref)
        guard case .int(let id) = key["id"] else { throw ShellError("that key has no id") }
        var body = sent
        if replace {
            // PUT replaces the whole key: fields not given keep their current values.
            for f in ["name", "public_key"] where !body.contains(where: { $0.0 == f }) && !key[f].isNull {
                body.append((f, key[f]))
            }
        }
        let client = context.client
        let updated = replace ? try await client.replaceKey(id: id, body) : try await client.updateKey(id: id, body)
        warnIgnored(sent, in: updated)
        if updated["name"] != key["name"] {
            // The server now shows this key's clicks under the new name.
            context.cache.requireFullScan(.clicks)
        }
        context.cache.invalidate(.keys)
        try await showWritten(updated, pipeline: pipeline)
    }

    /// One line naming the fields that were sent but that the key the server gave back does not
    /// show: the server does not know them, or does not let them be written.
    private func warnIgnored(_ fields: [(String, Value)], in key: Record) {
        let ignored = fields.filter { name, value in
            guard key.has(name) else { return true }
            if name == "public_key" { return false }  // the server may normalise the spacing
            return key[name].plainText != value.plainText
        }.map(\.0)
        guard !ignored.isEmpty else { return }
        context.output.message("opsh: the server ignored \(ignored.map { TerminalSafe.escape($0) }.joined(separator: ", ")) (\(ignored.count == 1 ? "a field" : "fields") it does not know or will not change)\n")
    }

    /// The key as the server gave it back: its fields at a terminal, its record for stages.
    private func showWritten(_ key: Record, pipeline: Pipeline) async throws {
        if pipeline.stages.isEmpty, pipeline.redirect == nil, context.settings.format == .table {
            let view = VerticalView(columns: context.info.stdoutIsTerminal ? context.info.width() : nil)
            try await context.pipelines.emit(view.render(key), pipeline: pipeline)
        } else {
            try await context.pipelines.run(pipeline, from: .records([key], resource: .keys))
        }
    }
}
