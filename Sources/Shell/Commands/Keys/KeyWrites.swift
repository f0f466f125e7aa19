import OpenportAPI
import Query
import Records

/// `keys add` (POST), `keys set` (PATCH) and `keys replace` (PUT): each says what it did.
struct KeyWrites {
    let context: CommandContext

    func add(_ fields: [KeyField], yes: Bool, pipeline: Pipeline) async throws {
        let body = try fields.map { ($0.name, try $0.value()) }
        let name = body.first { $0.0 == "name" }?.1.string ?? ""
        let keys = try await context.source.all(.keys)
        if let publicKey = body.first(where: { $0.0 == "public_key" })?.1.string, let body = PublicKeyCheck.body(publicKey)?.blob,
           let same = keys.first(where: { PublicKeyCheck.body($0["public_key"].string ?? "")?.blob == body }) {
            // The same `keys add` twice makes two keys that are one: ask, as a removal does.
            let other = "key \(same["id"].plainText) '\(TerminalSafe.escape(same["name"].plainText))' already has this public key"
            guard try context.confirmed("\(other); add it again as '\(TerminalSafe.escape(name))'?", yes: yes,
                                        inScript: "\(other); nothing was sent (--yes adds it again)") else {
                context.output.message("nothing added\n")
                return
            }
        }
        let namesakes = keys.filter { $0["name"].string == name }.map { $0["id"].plainText }
        let created = try await context.client.createKey(body)
        warnIgnored(body, in: created)
        context.cache.invalidate(.keys)
        var line = "created key \(created["id"].plainText) '\(TerminalSafe.escape(created["name"].plainText))'"
        if !namesakes.isEmpty {
            line += " (key\(namesakes.count == 1 ? "" : "s") \(namesakes.joined(separator: ", ")) \(namesakes.count == 1 ? "has" : "have") that name too:"
                + " id=\(created["id"].plainText) names this one)"
        }
        context.output.message(line + "\n")
        try await showWritten(created, pipeline: pipeline)
    }

    func change(_ ref: KeyRef, _ fields: [KeyField], replace: Bool, yes: Bool, pipeline: Pipeline) async throws {
        let sent = try fields.map { ($0.name, try $0.value()) }
        guard case .int(let id) = try await KeyLookup(context: context).resolve(ref)["id"] else { throw ShellError("that key has no id") }
        // The key as it is now, not as a cached list had it: old → new must be true.
        let key = try await context.client.key(id: id)
        var body = sent
        if replace {
            // PUT replaces the whole key: fields not given keep their current values.
            for f in KeyField.writable where !body.contains(where: { $0.0 == f }) && !key[f].isNull {
                body.append((f, key[f]))
            }
            let planned = KeyChange(before: key, after: body, names: body.map(\.0))
            let what = planned.lines.isEmpty ? "nothing would change" : planned.lines.joined(separator: ", ")
            guard try context.confirmed("replace \(planned.key): \(what)?", yes: yes,
                                        inScript: "refusing to replace \(planned.key) without --yes in a script; nothing was sent") else {
                context.output.message("nothing replaced\n")
                return
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
        let done = KeyChange(before: key, after: Array(zip(updated.fields, updated.values)), names: body.map(\.0))
        try await report(done.report(replace ? "replaced" : "updated"), record: updated, pipeline: pipeline)
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
            let view = VerticalView(for: context)
            try await context.pipelines.emit(view.render(key), pipeline: pipeline)
        } else {
            try await context.pipelines.run(pipeline, from: .records([key], resource: .keys))
        }
    }

    /// What a change did (old → new): the output of a line that goes on to nothing, else a
    /// message while the changed key's record goes on to the stages or the file.
    private func report(_ text: String, record: Record, pipeline: Pipeline) async throws {
        if pipeline.stages.isEmpty, pipeline.redirect == nil, context.settings.format == .table {
            try await context.pipelines.emit(text, pipeline: pipeline)
        } else {
            context.output.message(text)
            try await context.pipelines.run(pipeline, from: .records([record], resource: .keys))
        }
    }
}

extension CommandContext {
    /// Whether to go ahead with a change that asks first: yes with `--yes` (the line's or
    /// opsh's); at a terminal, the answer to `question`; in a script, an error (`refusal`).
    func confirmed(_ question: String, yes: Bool, inScript refusal: String) throws -> Bool {
        if yes || assumeYes { return true }
        guard interactive else { throw ShellError(refusal) }
        return ask(question)
    }
}
