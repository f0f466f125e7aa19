import OpenportAPI
import Query
@testable import Shell
import Testing

/// Every command's `parse`: a line → the typed value it runs, or the exact one-line error,
/// before anything is fetched (gh's table of parse cases per command).
@Suite("Commands read their arguments before anything is fetched")
struct CommandParseTests {
    /// What a line parses to: a value, or an error whose text is this.
    enum Parsed<C: Equatable>: CustomStringConvertible {
        case value(C)
        case error(String)

        var description: String {
            switch self {
            case .value(let c): return "\(c)"
            case .error(let e): return "error: \(e)"
            }
        }
    }

    /// Parses `line` as the interpreter does (the catalogue finds the command), as `C`.
    func parse<C: ShellCommand & Equatable>(_ line: String, as type: C.Type) -> Parsed<C> {
        do {
            let command = try Interpreter.parse(try Invocation(line))
            guard let typed = command as? C else { return .error("parsed as \(Swift.type(of: command))") }
            return .value(typed)
        } catch let e as ShellError {
            return .error(e.message)
        } catch let e as QueryError {
            return .error("column \(e.column + 1): \(e.description)")
        } catch {
            return .error("\(error)")
        }
    }

    func check<C: ShellCommand & Equatable>(_ type: C.Type, _ cases: [(String, Parsed<C>)],
                                             sourceLocation: SourceLocation = #_sourceLocation) {
        for (line, expected) in cases {
            let got = parse(line, as: type)
            switch (got, expected) {
            case (.value(let a), .value(let b)): #expect(a == b, "\(line)", sourceLocation: sourceLocation)
            case (.error(let a), .error(let b)): #expect(a == b, "\(line)", sourceLocation: sourceLocation)
            default: Issue.record("\(line): got \(got), expected \(expected)", sourceLocation: sourceLocation)
            }
        }
    }

    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@opsh"

    @Test func keys() {
        let pi = KeyRef(id: nil, name: "Pi London")
        let n377 = KeyRef(id: 377, name: "377")
        check(KeysCommand.self, [
            ("keys", .value(.init(action: .list))),
            ("keys | count", .value(.init(action: .list))),
            ("keys 377", .value(.init(action: .show(n377)))),
            ("keys \"377\"", .value(.init(action: .show(KeyRef(id: nil, name: "377"))))),
            ("keys id=377", .value(.init(action: .show(KeyRef(id: 377, name: nil, byIDOnly: true))))),
            ("keys Pi London", .value(.init(action: .show(pi)))),
            ("keys add name=laptop public_key=@~/.ssh/id.pub",
             .value(.init(action: .add([KeyField(name: "name", source: .text("laptop")), KeyField(name: "public_key", source: .file("~/.ssh/id.pub"))], yes: false)))),
            ("keys add name=a public_key=\"\(Self.key)\"",
             .value(.init(action: .add([KeyField(name: "name", source: .text("a")), KeyField(name: "public_key", source: .text(Self.key))], yes: false)))),
            ("keys add name=laptop", .error("keys add needs public_key: keys add name=NAME public_key=@~/.ssh/id_ed25519.pub")),
            ("keys add name=a id=4 public_key=@k.pub", .error("id is set by the server; keys add can change name and public_key; nothing was sent")),
            ("keys add name=a public_key=ssh-ed25519 AAAAC3Nz",
             .error("the public key ends after 'ssh-ed25519': a key has spaces, so put it in quotes (public_key=\"ssh-ed25519 AAAA... comment\") or read it from its file (public_key=@~/.ssh/id_ed25519.pub); nothing was sent")),
            ("keys add name=a public_key=\"ssh-rsa AAAA\"", .error("the public key's body after 'ssh-rsa' is not valid base64; nothing was sent")),
            ("keys set 377 name=new", .value(.init(action: .change(n377, [KeyField(name: "name", source: .text("new"))], replace: false, yes: false)))),
            ("keys replace \"Pi London\" name=x", .value(.init(action: .change(pi, [KeyField(name: "name", source: .text("x"))], replace: true, yes: false)))),
            ("keys replace \"Pi London\" name=x --yes", .value(.init(action: .change(pi, [KeyField(name: "name", source: .text("x"))], replace: true, yes: true)))),
            // A misspelt field is refused before anything is sent (issue 21 item 3).
            ("keys set id=377 nmae=laptop", .error("column 17: a key has no field 'nmae'; keys set can change name and public_key; nothing was sent (did you mean 'name'?)")),
            ("keys add nmae=x public_key=@k.pub", .error("column 10: a key has no field 'nmae'; keys add can change name and public_key; nothing was sent (did you mean 'name'?)")),
            ("keys replace 377 colour=blue", .error("column 18: a key has no field 'colour'; keys replace can change name and public_key; nothing was sent")),
            ("keys set 377", .error("keys set needs fields to change, like name=NEW")),
            ("keys set", .error("usage: keys set ID|NAME name=NEW; 'help keys' says more")),
            ("keys set 377 laptop", .error("column 14: keys set takes name=VALUE fields, not 'laptop'")),
            ("keys set 377 url=x", .error("url is set by the server; keys set can change name and public_key; nothing was sent")),
            ("keys rm 377 --yes", .value(.init(action: .remove([n377], yes: true)))),
            ("keys rm 1 \"Pi London\"", .value(.init(action: .remove([KeyRef(id: 1, name: "1"), pi], yes: false)))),
            ("keys rm", .error("usage: keys rm ID|NAME ... [--yes]; 'help keys' says more")),
            ("keys rm name=x", .error("usage: keys rm ID|NAME ... [--yes]; 'help keys' says more")),
            ("keys rm 377 | count", .error("column 15: 'keys rm' prints no records, so nothing can follow it with |")),
            ("keys name=x", .error("usage: keys [ID|NAME|add|set|replace|rm]; 'help keys' says more")),
        ])
    }

    @Test func listings() {
        check(SessionsCommand.self, [("sessions", .value(.init())), ("sessions | where port=22", .value(.init())),
                                     ("sessions 22", .error("column 10: 'sessions' takes no arguments; filter with | where ..."))])
        check(ClicksCommand.self, [("clicks", .value(.init())), ("openforiplinkclicks | count", .value(.init())),
                                   ("clicks port=1", .error("column 8: 'clicks' takes no arguments; filter with | where ..."))])
        check(NodesCommand.self, [("nodes", .value(.init())),
                                  ("nodes x", .error("column 7: 'nodes' takes no arguments; filter with | where ..."))])
    }

    @Test func get() {
        check(GetCommand.self, [
            ("get keys/374/", .value(.init(path: "keys/374/"))),
            ("get keys/?limit=1 | count", .value(.init(path: "keys/?limit=1"))),
            ("get", .error("usage: get PATH (for example: get keys/374/); 'help get' says more")),
            ("get a b", .error("usage: get PATH (for example: get keys/374/); 'help get' says more")),
        ])
    }

    @Test func watch() {
        check(WatchCommand.self, [
            ("watch sessions | count", .value(.init(text: "sessions | count", resource: .sessions))),
            ("watch 10 --times 3 clicks | where port=1", .value(.init(seconds: 10, times: 3, text: "clicks | where port=1", resource: .clicks))),
            ("watch 0.5 openforiplinkclicks", .value(.init(seconds: 0.5, text: "openforiplinkclicks", resource: .clicks))),
            ("watch 0.01 sessions", .error("watch takes seconds from 0.1 to 86400, not 0.01")),
            ("watch 10", .error("usage: watch [SECONDS] [--times N] LINE (for example: watch 10 sessions | count); 'help watch' says more")),
            ("watch 10 open 22",
             .error("watch reruns a listing (sessions, keys, clicks or nodes and its stages), not 'open'; usage: watch [SECONDS] [--times N] LINE; 'help watch' says more")),
        ])
    }

    @Test func small() {
        check(OpenCommand.self, [
            ("open 6260", .value(.init(port: 6260))),
            ("open", .error("usage: open PORT (a session's port, for example: open 6260); 'help open' says more")),
            ("open six", .error("usage: open PORT (a session's port, for example: open 6260); 'help open' says more")),
            ("open 6260 | count", .error("column 13: 'open' prints no records, so nothing can follow it with |")),
        ])
        check(RefreshCommand.self, [
            ("refresh", .value(.init(resources: [], full: false))),
            ("refresh clicks keys", .value(.init(resources: [.clicks, .keys], full: false))),
            ("refresh --full clicks", .value(.init(resources: [.clicks], full: true))),
            ("refresh clikcs", .error("'clikcs' is not a resource (did you mean 'clicks'?); refresh takes sessions, keys, clicks or nodes")),
        ])
        check(CacheCommand.self, [
            ("cache", .value(.init(action: .report))),
            ("cache clear", .value(.init(action: .clear([])))),
            ("cache clear nodes sessions", .value(.init(action: .clear([.nodes, .sessions])))),
            ("cache claer", .error("column 7: 'cache' takes nothing, or clear [RESOURCE] (did you mean 'clear'?)")),
            ("cache clear x", .error("'x' is not a resource; cache clear takes sessions, keys, clicks or nodes")),
        ])
        check(HistoryCommand.self, [
            ("history", .value(.init(last: nil))), ("history 5", .value(.init(last: 5))),
            ("history -1", .error("usage: history [N] (the last N lines); 'help history' says more")),
        ])
        check(ExitCommand.self, [
            ("exit", .value(.init(status: nil))), ("quit 3", .value(.init(status: 3))),
            ("exit 256", .error("usage: exit [STATUS] (a number from 0 to 255); 'help exit' says more")),
        ])
        check(HelpCommand.self, [
            ("help", .value(.init(topic: nil))), ("help where", .value(.init(topic: "where"))),
            ("help keys add", .value(.init(topic: "keys"))),
            ("help a b", .error("usage: help [COMMAND|STAGE|keyboard] (one topic at a time); 'help help' says more")),
        ])
        check(CompleteCommand.self, [("__complete keys ad", .value(.init(text: "keys ad")))])
    }

    @Test func set() {
        check(SetCommand.self, [
            ("set", .value(.init(action: .list))),
            ("set format json", .value(.init(action: .change(name: "format", value: "json")))),
            ("set format=csv", .value(.init(action: .change(name: "format", value: "csv")))),
            ("set follow.interval 1d", .value(.init(action: .change(name: "follow.interval", value: "1d")))),
            ("set page_size 50", .value(.init(action: .change(name: "page_size", value: "50")))),
            ("set format xml", .error("format is one of table, json, jsonl, csv, not 'xml'")),
            ("set pager maybe", .error("pager is on or off, not 'maybe'")),
            ("set concurrency 65", .error("concurrency takes a whole number from 1 to 64, not '65'")),
            ("set follow.interval 50ms",
             .error("follow.interval takes a duration from 100ms to 1d (500ms, 30s, 5m, 2h or 1d; a bare number is seconds), not '50ms'")),
            ("set timezone Mars/Olympus", .error("timezone is UTC, local or a zone name like Europe/Brussels, not 'Mars/Olympus'")),
            ("set fromat json", .error("there is no setting 'fromat' (did you mean 'format'?); 'set' lists them")),
            // `set NAME` shows the setting (it was a usage error).
            ("set format", .value(.init(action: .show(name: "format")))),
            ("set page_size", .value(.init(action: .show(name: "page-size")))),
            ("set fromat", .error("there is no setting 'fromat' (did you mean 'format'?); 'set' lists them")),
            ("set a b c", .error("usage: set [NAME [VALUE]] ('set' alone lists the settings); 'help set' says more")),
        ])
    }

    @Test("a command no one knows is refused with the nearest one")
    func unknown() {
        #expect(throws: QueryError.self) { try Interpreter.parse(try Invocation("sesions")) }
        let error = #expect(throws: QueryError.self) { try Interpreter.parse(try Invocation("sesions")) }
        #expect(error?.suggestion == "sessions")
    }
}
