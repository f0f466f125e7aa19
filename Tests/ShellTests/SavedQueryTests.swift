import Foundation
import OpenportEmulator
import Query
import Shell
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `save NAME LINE`, `NAME ARGS`, `saved`: lines kept under a name, with parameters.
@Suite("Saved queries") struct SavedQueryTests {
    @Test func aSavedLineRunsWithItsArgumentsInOrderOrByName() async throws {
        try await ShellHarness.with { shell in
            let direct = await shell.run("clicks | where port=6260 | count")
            #expect(direct.outcome == .ok && Int(direct.out.dropLast()) != nil, "\(direct)")
            let saved = await shell.run("save hits clicks | where port=$port | count")
            #expect(saved.outcome == .ok && saved.err.contains("saved 'hits'"), "\(saved)")
            #expect(await shell.run("hits 6260").out == direct.out)
            #expect(await shell.run("hits port=6260").out == direct.out)
            // A redirect after the arguments is the line's own.
            let file = NSTemporaryDirectory() + "/opsh-saved-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(await shell.run("hits 6260 > \(file)").outcome == .ok)
            let written = try String(contentsOfFile: file, encoding: .utf8)
            #expect(written == direct.out)
        }
    }

    @Test func argumentsKeepTheQuotesTheyWereGivenWith() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("save named keys | where name = $1 | select id | csv")
            let byName = await shell.run("named \"Pi London\"")
            #expect(byName.outcome == .ok && byName.out.contains("5245"), "\(byName)")
            // Two words are two arguments, as anywhere in the language.
            let split = await shell.run("named Pi London")
            #expect(split.outcome == .failed("'named' takes 1 argument; usage: named ARG1", column: 9, length: 6), "\(split)")
        }
    }

    @Test func aSavedStageStandsAfterABar() async throws {
        try await ShellHarness.with { shell in
            #expect(await shell.run("save top group port | first 3").outcome == .ok)
            let direct = await shell.run("clicks | group port | first 3 | csv")
            #expect(await shell.run("clicks | top | csv").out == direct.out)
            #expect(await shell.run("save busy where port = $1").outcome == .ok)
            #expect(await shell.run("clicks | busy 6260 | count").out == (await shell.run("clicks | where port = 6260 | count")).out)
            let first = await shell.run("top")
            #expect(first.outcome == .failed("'top' is a saved stage: use it after |, like: clicks | top", column: 0, length: 3), "\(first)")
            _ = await shell.run("save n nodes")
            let after = await shell.run("clicks | n")
            #expect(after.outcome == .failed("'n' is a saved line, not stages, so it cannot follow |", column: 9, length: 1), "\(after)")
        }
    }

    @Test func savedQueriesUseOthersButNeverInALoop() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("save busy where port = $1")
            _ = await shell.run("save busycount clicks | busy $1 | count")
            #expect(await shell.run("busycount 6260").out == (await shell.run("clicks | where port = 6260 | count")).out)
            #expect(await shell.run("save ping pong").outcome == .ok)
            let loop = await shell.run("save pong ping")
            #expect(loop.outcome == .failed("'pong' would run itself: ping → pong → ping"), "\(loop)")
            let itself = await shell.run("save again again | count")
            #expect(itself.outcome == .failed("'again' would run itself: again → again"), "\(itself)")
        }
    }

    /// A loop written into the file by hand is refused when it runs.
    @Test func aLoopFromTheFileIsOneLine() throws {
        let queries = [SavedQuery(name: "ping", line: "pong"), SavedQuery(name: "pong", line: "ping | count")]
        #expect(throws: QueryError("saved queries run each other in a loop: ping → pong → ping; change one with save", column: 0, length: 4)) {
            _ = try SavedQueryExpansion(of: "ping", queries: queries)
        }
    }

    @Test func namesThatAreCommandsOrStagesAreRefused() async throws {
        try await ShellHarness.with { shell in
            for (name, kind) in [("count", "a stage"), ("where", "a stage"), ("keys", "a command"), ("quit", "a command"), ("save", "a command")] {
                let r = await shell.run("save \(name) clicks | count")
                #expect(r.outcome == .failed("'\(name)' is \(kind); choose another name for the query"), "\(r)")
            }
            let word = await shell.run("save 9lives clicks")
            #expect(word.outcome == .failed("'9lives' cannot name a query: use a word of letters, digits, - and _ that starts with a letter"))
            let unreadable = await shell.run("save broken clicks | where")
            if case .failed(let message, _, _) = unreadable.outcome {
                #expect(message.hasPrefix("the line does not read: where needs a condition"), "\(message)")
            } else {
                Issue.record("\(unreadable)")
            }
            #expect(await shell.run("saved").out.hasPrefix("no saved queries yet"))
        }
    }

    @Test func tooFewOrTooManyArgumentsSayHowToUseIt() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("save hits clicks | where port=$1 and source_ip in $net | count")
            let few = await shell.run("hits 6260")
            #expect(few.outcome == .failed("'hits' needs a value for $net; usage: hits ARG1 NET", column: 0, length: 4), "\(few)")
            let many = await shell.run("hits 1 10.0.0.0/8 3")
            #expect(many.outcome == .failed("'hits' takes 2 arguments; usage: hits ARG1 NET", column: 18, length: 1), "\(many)")
            #expect(await shell.run("hits net=10.0.0.0/8 6260").outcome == .ok)
        }
    }

    @Test func aMistakeInsideASavedLineIsShownAtItsUse() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("save bad clicks | where prot = $1 | count")
            let r = await shell.run("bad 22")
            guard case .failed(let message, let column, let length) = r.outcome else {
                Issue.record("\(r)")
                return
            }
            #expect(message.hasPrefix("no field 'prot' in these records (did you mean 'port'?)"), "\(message)")
            #expect(message.hasSuffix("(in 'bad', which ran: clicks | where prot = 22 | count)"), "\(message)")
            #expect(column == 0 && length == 6)
        }
    }

    @Test func savedListsThemHelpShowsOneAndRmForgetsIt() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("save hits clicks | where port=$1 | count")
            _ = await shell.run("save top group port | first 3")
            let listed = await shell.run("saved")
            #expect(listed.out == "hits ARG1  clicks | where port=$1 | count\n| top      group port | first 3\n", "\(listed)")
            let help = await shell.run("help hits")
            #expect(help.out.contains("hits ARG1") && help.out.contains("saved query: clicks | where port=$1 | count"), "\(help)")
            #expect(await shell.run("help").out.contains("hits ARG1  clicks | where port=$1 | count"))
            #expect(await shell.run("saved rm hits").outcome == .ok)
            let gone = await shell.run("hits 1")
            #expect(gone.outcome == .failed("unknown command 'hits'; 'help' lists the commands", column: 0, length: 4), "\(gone)")
            let missing = await shell.run("saved rm tpo")
            #expect(missing.outcome == .failed("there is no saved query 'tpo' (did you mean 'top'?); 'saved' lists them"), "\(missing)")
        }
    }

    @Test func tabCompletesNamesAndTheValuesAParameterStandsFor() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("clicks | where port > 0 | count")
            _ = await shell.run("save hits clicks | where port=$1 | count")
            _ = await shell.run("save byname keys | where name = $name")
            _ = await shell.run("save top group port | first 3")
            let complete = shell.interpreter.completer
            #expect(complete("hit", 3).candidates.map(\.insert) == ["hits"])
            #expect(complete("clicks | to", 11).candidates.map(\.insert) == ["top"])
            #expect(complete("help to", 7).candidates.map(\.insert) == ["top"])
            #expect(complete("saved rm b", 10).candidates.map(\.insert) == ["byname"])
            // $1 stands for a port of the clicks: the ports cached, where the word starts.
            let ports = complete("hits 626", 8)
            #expect(ports.wordStart == 5 && ports.candidates.map(\.insert).contains("6260"), "\(ports)")
            // $name after name=, and bare: key names, quoted where they need it.
            _ = await shell.run("keys | where id > 0 | count")
            let named = complete("byname name=Pi Lo", 17)
            #expect(named.candidates.isEmpty, "two words: the second is not a value of name")
            let quoted = complete("byname \"Pi Lo", 13)
            #expect(quoted.wordStart == 7 && quoted.candidates.map(\.insert) == ["\"Pi London\""], "\(quoted)")
            let assigned = complete("byname name=\"Pi Lo", 18)
            #expect(assigned.wordStart == 12 && assigned.candidates.map(\.insert) == ["\"Pi London\""], "\(assigned)")
        }
    }

    @Test func theFileIsPrivateAndSharedBetweenProcesses() throws {
        let dir = NSTemporaryDirectory() + "/opsh-saved-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/opsh/saved-queries"
        let one = SavedQueries(path: path)
        let other = SavedQueries(path: path)
        try one.save("hits", line: "clicks | where port=$1 | count")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
        #expect(stat(dir + "/opsh", &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(other.named("hits")?.line == "clicks | where port=$1 | count")
        try other.save("hits", line: "clicks | where port=$1 | first 1")
        #expect(one.named("hits")?.line == "clicks | where port=$1 | first 1")
        #expect(try one.remove("hits"))
        #expect(other.all.isEmpty)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# opsh saved queries"))
    }
}
