#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The pseudo-terminal harness itself, proved on programs whose behaviour is known.
@Suite struct PTYSessionTests {
    @Test func catEchoesAndEndsOnCtrlD() throws {
        let session = try PTYSession(executable: "/bin/cat")
        session.send("hello pty\r")
        try session.waitFor("hello pty")  // the terminal's echo
        try session.waitFor("hello pty")  // cat's copy
        session.sendKeys(.ctrlD)
        #expect(try session.waitForExit() == 0)
    }

    @Test func ctrlCInterruptsTheProgram() throws {
        let session = try PTYSession(executable: "/bin/cat")
        session.send("x\r")
        try session.waitFor("x\r\nx")
        session.sendKeys(.ctrlC)
        #expect(try session.waitForExit() == 128 + SIGINT)
    }

    @Test func bashRunsACommandAndSeesTheWindowSize() throws {
        let session = try PTYSession(
            executable: "/bin/bash", arguments: ["--norc", "--noprofile", "-i"],
            environment: ["PS1": "ready$ ", "PATH": "/usr/bin:/bin", "HOME": "/tmp"])
        try session.waitFor("ready$ ")
        session.send("echo $((6 * 7)); stty size\r")
        try session.waitFor("42")
        try session.waitFor("40 120")
        try session.waitFor("ready$ ")
        session.send("exit 3\r")
        #expect(try session.waitForExit() == 3)
        #expect(session.screenText.contains("ready$ echo $((6 * 7)); stty size"))
    }

    @Test func timeoutReportsRecentOutput() throws {
        let session = try PTYSession(executable: "/bin/cat")
        session.send("only this\r")
        #expect {
            try session.waitFor("never printed", timeout: .milliseconds(300))
        } throws: { error in
            "\(error)".contains("only this")
        }
    }

    @Test func missingExecutableIsNil() {
        #expect(PTYSession.builtExecutable(named: "no-such-program-built") == nil)
    }
}
