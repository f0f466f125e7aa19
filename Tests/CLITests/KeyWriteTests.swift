import Foundation
import Testing

/// Writes that say what they did (issue 27 item 6) and refuse a misspelt field before
/// anything is sent (issue 21 item 3), through the real binary: scripts on stdin (the demo's
/// emulator keeps what one line changed for the next) and a pseudo-terminal for questions.
@Suite struct KeyWriteTests {
    typealias Shell = InteractiveTests.Shell

    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl first@hour"

    @Test("keys set says old → new; a misspelt field is refused before anything is sent")
    func setSaysWhatItDid() throws {
        let r = try CLI.opsh(["--demo", "--keep-going"], stdin: """
            keys set id=374 nmae=laptop
            keys 374 | select name
            keys set 374 name=laptop
            keys set 374 name=laptop
            keys set 374 name=x public_key="\(Self.publicKey)"

            """)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "opsh: line 1, column 17: a key has no field 'nmae'; keys set can change name and public_key; nothing was sent (did you mean 'name'?)",
                "\(r)")
        #expect(r.stdout == """
            Box Bruges
            updated key 374 'Box Bruges': name 'Box Bruges' → 'laptop'
            key 374 'laptop' is unchanged: it already had those values
            updated key 374 'laptop':
              name 'laptop' → 'x'
              public_key ssh-rsa SHA256:9J/RpI+hTKnwlqScDciHDRpyEMTHo6w5ngSPxbYR9Wo → ssh-ed25519 SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU

            """, "\(r)")
    }

    @Test("keys add and keys replace refuse a misspelt field before anything is sent, with did you mean (issue 21 item 3)")
    func misspeltFieldsAreRefused() throws {
        let r = try CLI.opsh(["--demo", "--keep-going"], stdin: """
            keys add nmae=laptop public_key="\(Self.publicKey)"
            keys replace 374 nmae=laptop --yes
            keys | count
            keys 374 | select name

            """)
        #expect(r.stderr == """
            opsh: line 1, column 10: a key has no field 'nmae'; keys add can change name and public_key; nothing was sent (did you mean 'name'?)
            opsh: line 2, column 18: a key has no field 'nmae'; keys replace can change name and public_key; nothing was sent (did you mean 'name'?)

            """, "\(r)")
        #expect(r.stdout == "1044\nBox Bruges\n", "no key was added, none renamed: \(r)")
    }

    @Test("keys replace asks first, saying old → new; a script needs --yes")
    func replaceIsConfirmed() throws {
        let script = try CLI.opsh(["--demo", "--keep-going"], stdin: """
            keys replace 374 name=x
            keys 374 | select name
            keys replace 374 name=x --yes

            """)
        #expect(script.stderr.hasPrefix("opsh: line 1: refusing to replace key 374 'Box Bruges' without --yes in a script; nothing was sent\n"), "\(script)")
        #expect(script.stdout == "Box Bruges\nreplaced key 374 'Box Bruges': name 'Box Bruges' → 'x'\n", "\(script)")

        let shell = try Shell()
        try shell.waitForPrompt()
        shell.session.send("keys replace 374 name=x\r")
        try shell.session.waitFor("replace key 374 'Box Bruges': name 'Box Bruges' → 'x'? [y/N] ")
        shell.session.send("n\r")
        try shell.session.waitFor("nothing replaced")
        try shell.waitForPrompt()
        #expect(try shell.run("keys 374 | select name | csv") == ["name", "Box Bruges"])
        try shell.quit()
    }

    @Test("keys rm says what the key still has: its live session and its clicks, as keys NAME does")
    func removalSaysWhatTheKeyHas() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        _ = try shell.run("refresh clicks")
        shell.session.send("keys rm \"Pi London\"\r")
        let asked = try shell.session.waitFor("[y/N] ")
        #expect(asked.contains("delete key 5245 'Pi London' (1 live session: 15133 → 22 on openport.io; clicks: 377, in the click log fetched"),
                "\(asked)")
        shell.session.send("n\r")
        try shell.session.waitFor("nothing deleted")
        try shell.waitForPrompt()
        try shell.quit()
    }

    @Test("keys add warns of a key with the same name, and asks before adding a public key a key already has")
    func addWarnsOfTwins() throws {
        let r = try CLI.opsh(["--demo", "--keep-going"], stdin: """
            keys add name=raspberrypi public_key="\(Self.publicKey)"
            keys add name=again public_key="\(Self.publicKey)"
            keys | where name = again | count
            keys add name=again public_key="\(Self.publicKey) other comment" --yes
            keys | where name = again | count

            """)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r)")
        #expect(lines.first?.wholeMatch(of: /created key \d+ 'raspberrypi' \(keys 393, 405, 486 have that name too: id=\d+ names this one\)/) != nil,
                "\(r)")
        #expect(lines.dropFirst().first?.wholeMatch(of: /opsh: line 2: key \d+ 'raspberrypi' already has this public key; nothing was sent \(--yes adds it again\)/) != nil,
                "\(r)")
        #expect(r.stdout.hasSuffix("0\n1\n") || r.stdout.contains("\n0\n"), "\(r)")
    }
}
