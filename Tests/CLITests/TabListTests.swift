import Foundation
import Testing

/// TAB as a newcomer meets it (issue 27 item 10), at a pseudo-terminal: a second TAB does
/// not print the list again, one long name does not make the list one column, a file after
/// `public_key=@`, and a field a list already names is not offered again.
@Suite struct TabListTests {
    typealias Shell = InteractiveTests.Shell

    /// How many times `text` appears in what opsh wrote.
    static func count(_ text: String, in session: PTYSession) -> Int {
        session.plainText.components(separatedBy: text).count - 1
    }

    @Test("a second TAB on the same line does not print the whole list again")
    func secondTabIsQuiet() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        shell.session.send("clicks | where ")
        shell.session.sendKeys(.tab)
        try shell.session.waitFor("source_ip")
        try shell.waitForPrompt()
        let listed = Self.count("source_ip", in: shell.session)
        shell.session.sendKeys(.tab)
        // A character typed after the second TAB shows when the line is drawn again.
        shell.session.send("x")
        shell.waitForLastLine(InteractiveTests.prompt + "clicks | where x")
        #expect(Self.count("source_ip", in: shell.session) == listed, "the list came again:\n\(shell.session.screenText.suffix(1500))")
        try shell.quit()
    }

    @Test("one long key name does not turn the list into one column", arguments: [80, 150])
    func oneLongName(columns: Int) throws {
        let shell = try Shell(columns: UInt16(columns))
        try shell.waitForPrompt()
        // The demo's names that start with a capital L: thirteen "Laptop CITY" and one of 211
        // characters. Completion reads the cache: fill it.
        #expect(try shell.run("keys | where name ~ \"(?-i)^L\" | count") == ["14"])
        shell.session.send("keys L")
        shell.session.sendKeys(.tab)
        shell.waitForLastLine(InteractiveTests.prompt + "keys \"L")
        shell.session.sendKeys(.tab)
        try shell.session.waitFor("Long key name")
        // The list, then the line drawn again under it.
        shell.waitForLastLine(InteractiveTests.prompt + "keys \"L")
        let screen = shell.session.screenText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The line as typed, the right prompt (`demo`) perhaps at the far end of its row.
        let typed = InteractiveTests.prompt + "keys \"L"
        let lines = screen.indices.filter { screen[$0] == typed || (screen[$0].hasPrefix(typed + " ") && screen[$0].hasSuffix(" demo")) }
        try #require(lines.count >= 2, "\(screen.suffix(30))")
        let list = screen[(lines[lines.count - 2] + 1)..<lines[lines.count - 1]].filter { !$0.isEmpty }
        // The thirteen short names in columns, the long one below them (on as many rows as the
        // terminal wraps it to): before, fourteen rows and more, one name a row.
        #expect(list.count <= 4 + (211 + columns - 1) / columns, "\(list.joined(separator: "\n"))")
        #expect(list.first?.hasPrefix("Laptop Amsterdam  Laptop") == true, "\(list)")
        try shell.quit()
    }

    @Test("TAB after public_key=@ completes a file name")
    func fileAfterAt() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "ssh-ed25519 AAAA x\n".write(toFile: dir + "/id_test.pub", atomically: true, encoding: .utf8)
        let shell = try Shell()
        try shell.waitForPrompt()
        shell.session.send("keys add name=x public_key=@\(dir)/id_")
        shell.session.sendKeys(.tab)
        shell.waitForLastLine(InteractiveTests.prompt + "keys add name=x public_key=@\(dir)/id_test.pub")
        try shell.quit()
    }

    @Test("select port,<TAB> does not offer port again")
    func listedFieldsAreNotOfferedAgain() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        #expect(try shell.run("sessions | count") == ["300"])
        // port is the only field of a session that starts with p.
        shell.session.send("sessions | select port,p")
        shell.session.sendKeys(.tab)
        shell.session.send("#")
        shell.waitForLastLine(InteractiveTests.prompt + "sessions | select port,p#")
        try shell.quit()
    }
}
