import OpenportAPI
import Testing

/// The one rule of which resource an API path lists (`get PATH`'s rows and how a scan of the
/// path pages and whether it sends the token): the path's last segment, and only it.
@Suite struct ResourcePathTests {
    @Test(arguments: [
        ("keys/", Resource.keys), ("/api/v2/sessions/?x=1", .sessions), ("openforiplinkclicks", .clicks),
        ("nodes/?limit=5", .nodes), ("https://api.openport.io/api/v2/keys/", .keys),
    ] as [(String, Resource)])
    func aListPathNamesItsResource(path: String, resource: Resource) {
        #expect(Resource(path: path) == resource)
    }

    @Test("monkeys/ is not keys/, supernodes/ not nodes/, keys/349/ one key", arguments: [
        "monkeys/", "supernodes/", "keys/349/", "keys/349", "", "?keys/",
    ])
    func otherPathsNameNone(path: String) {
        #expect(Resource(path: path) == nil, "\(path)")
    }
}
