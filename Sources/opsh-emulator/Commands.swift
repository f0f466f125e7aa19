import Foundation
import OpenportEmulator

/// Changes to the demo account read from stdin, one a line, for tests and benchmarks that
/// change the server's data between or during opsh's requests (`opsh-emulator --commands`).
/// Each line is answered with one line on stdout: `ok`, a number, or `error: ...`.
///
/// ```
/// add 5             new clicks at the newest end
/// late 3            clicks written late: each lands in the middle of the list, by its time
/// remove-middle 2   clicks removed from the middle
/// purge 10          the 10 oldest clicks removed
/// rename 374 NAME   a key renamed (its clicks relabelled), as on the website
/// delete 374        a key deleted (its clicks keep key_name null)
/// key-ids NAME      the ids of the keys called NAME, space-separated
/// append-rate 10    new clicks a second from now on
/// count             the clicks now
/// requests          the requests answered so far
/// ```
enum EmulatorCommands {
    static func serve(_ emulator: Emulator) {
        Thread.detachNewThread {
            while let line = readLine() {
                let reply = answer(line, emulator)
                FileHandle.standardOutput.write(Data((reply + "\n").utf8))
            }
        }
    }

    static func answer(_ line: String, _ emulator: Emulator) -> String {
        let words = line.split(separator: " ", maxSplits: 2).map(String.init)
        guard let command = words.first else { return "error: an empty line" }
        let number = words.count > 1 ? Int(words[1]) : nil
        let rest = words.count > 2 ? words[2] : ""
        switch (command, number) {
        case ("add", let n?): emulator.addClicks(n)
        case ("late", let n?): emulator.insertLateClicks(n)
        case ("remove-middle", let n?): emulator.removeMiddleClicks(n)
        case ("purge", let n?): emulator.purgeOldestClicks(n)
        case ("rename", let id?) where !rest.isEmpty: return emulator.renameKey(id: id, to: rest) ? "ok" : "error: no key \(id)"
        case ("delete", let id?): return emulator.deleteKey(id: id) ? "ok" : "error: no key \(id)"
        case ("append-rate", _): emulator.setAppendRate(Double(words.count > 1 ? words[1] : "") ?? 0)
        case ("key-ids", _): return emulator.keyIDs(named: words.dropFirst().joined(separator: " ")).map(String.init).joined(separator: " ")
        case ("count", _): return String(emulator.clickCount())
        case ("requests", _): return String(emulator.requestCount)
        default: return "error: unknown command '\(line)'"
        }
        return "ok"
    }
}
