import OpenportAPI
import Testing

/// What counts as this machine, where the token may travel over plain `http://`: the host's
/// spelling alone (an IP literal in 127.0.0.0/8, `::1`, exactly `localhost`), never a name
/// that DNS could send anywhere.
@Suite struct LoopbackTests {
    @Test("loopback by its spelling", arguments: [
        "127.0.0.1", "127.0.0.2", "127.255.255.254", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]",
        "0:0:0:0:0:0:0:1",
    ])
    func loopback(host: String) {
        #expect(APIConfig.isLoopback(host), "\(host)")
    }

    @Test("names and addresses that only look like loopback", arguments: [
        "127.evil.example", "127.0.0.1.nip.io", "127.0.0.1.evil.example", "localhost.evil.example", "localhost.",
        "evil-localhost", "my.localhost", "127", "127.1", "0x7f.0.0.1", "2130706433", "128.0.0.1", "126.255.255.255",
        "0.0.0.0", "::", "::2", "::ffff:10.0.0.1", "[::1].evil.example", "::1.evil.example", "",
    ])
    func notLoopback(host: String) {
        #expect(!APIConfig.isLoopback(host), "\(host)")
    }
}
