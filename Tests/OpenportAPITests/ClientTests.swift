import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("API client against the emulator over loopback")
struct ClientTests {
    @Test("every resource lists, and a full scan yields exactly count rows")
    func everyResource() async throws {
        try await withEmulator { _, client in
            for resource in Resource.allCases {
                let count = try await client.count(resource)
                let rows = try await collect(client.scan(resource))
                #expect(rows.count == count, "\(resource)")
                #expect(count > 0, "\(resource)")
            }
            #expect(try await client.count(.keys) == 1044)
            #expect(try await client.count(.nodes) == 3)
            #expect(try await client.count(.clicks) == 3_000)
        }
    }

    @Test("pagination across many pages when the server caps the page below the ask")
    func smallPageCap() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 37
        try await withEmulator(options) { emulator, client in
            emulator.resetRequestCount()
            let rows = try await collect(client.scan(.clicks))
            #expect(rows.count == 3_000)
            // Pages of 37; each after the first also asks for the rows in front of its own (to be
            // placed by them), so a little more than 3,000 / 37 requests.
            let pages = Int((3_000.0 / 37).rounded(.up))
            #expect(emulator.requestCount >= pages && emulator.requestCount <= pages * 23 / 20, "\(emulator.requestCount)")
            // Same rows, same order as following `next` with an independent parser.
            let independent = try await independentList(client.url("openforiplinkclicks/"))
            #expect(independent.count == rows.count)
            for (a, b) in zip(rows, independent).prefix(500) {
                #expect(a["port"] == .int(b["port"] as! Int))
                #expect(a["source_ip"].string == b["source_ip"] as? String)
            }
        }
    }

    @Test("maxRows stops after the pages it needs: first 10 is one request")
    func firstTenIsOneRequest() async throws {
        try await withEmulator { emulator, client in
            emulator.resetRequestCount()
            let rows = try await collect(client.scan(.clicks, limit: 10, maxRows: 10))
            #expect(rows.count == 10)
            #expect(emulator.requestCount == 1)
            emulator.resetRequestCount()
            #expect(try await client.count(.clicks) == 3_000)
            #expect(emulator.requestCount == 1)
        }
    }

    @Test("keys: create, read, update, replace, delete, each read back through the API")
    func keysRoundTrip() async throws {
        let pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@opsh"
        try await withEmulator { _, client in
            let created = try await client.createKey([("name", .string("opsh test")), ("public_key", .string(pub))])
            guard case .int(let id) = created["id"] else { Issue.record("no id in \(created)"); return }
            #expect(created["name"] == .string("opsh test"))
            #expect(try await client.key(id: id)["name"] == .string("opsh test"))

            let patched = try await client.updateKey(id: id, [("name", .string("renamed"))])
            #expect(patched["name"] == .string("renamed"))
            #expect(try await client.key(id: id)["public_key"] == .string(pub))

            let replaced = try await client.replaceKey(id: id, [("name", .string("replaced")), ("public_key", .string(pub))])
            #expect(replaced["name"] == .string("replaced"))

            try await client.deleteKey(id: id)
            let error = await apiError { _ = try await client.key(id: id) }
            #expect(error?.kind == .notFound)
            #expect(error?.message == "not found (404): GET keys/\(id)/")
        }
    }

    @Test("validation errors come back per field")
    func validation() async throws {
        try await withEmulator { _, client in
            let error = try #require(await apiError { _ = try await client.createKey([("name", .string(""))]) })
            #expect(error.kind == .validation)
            #expect(error.status == 400)
            #expect(error.fieldErrors.map(\.field).contains("name"))
            #expect(error.fieldErrors.map(\.field).contains("public_key"))
        }
    }

    @Test("another account's key is not found")
    func otherAccount() async throws {
        try await withEmulator(token: EmulatorAccounts.otherToken) { _, client in
            let mine = try await collect(client.scan(.keys))
            #expect(mine.count == 5)
        }
        try await withEmulator { emulator, client in
            var other = APIConfig(baseURL: emulator.baseURL, token: EmulatorAccounts.otherToken)
            other.maxAttempts = 1
            let otherClient = try OpenportClient(config: other)
            let theirs = try await collect(otherClient.scan(.keys))
            await otherClient.shutdown()
            guard case .int(let id) = theirs.first?["id"] else { Issue.record("no key"); return }
            await #expect(throws: APIError.self) { try await client.key(id: id) }
        }
    }

    @Test("a bad token says so, without the token")
    func badToken() async throws {
        let secret = "not-a-real-token-8b1f"
        try await withEmulator(token: secret) { _, client in
            let error = try #require(await apiError { _ = try await client.count(.keys) })
            #expect(error.kind == .unauthorized)
            #expect(error.message.contains("OPENPORT_TOKEN"))
            #expect(!error.message.contains(secret))
            // nodes/ needs no token.
            #expect(try await client.count(.nodes) == 3)
        }
        try await withEmulator(token: EmulatorAccounts.freeToken) { _, client in
            let error = try #require(await apiError { _ = try await client.count(.keys) })
            #expect(error.kind == .forbidden)
            #expect(error.message.contains("paying account"))
        }
    }

    @Test("an unreachable API is one clear transport error")
    func unreachable() async throws {
        // A port nothing listens on: bind one, then close it.
        let emulator = try await Emulator.start(.small)
        let url = emulator.baseURL
        await emulator.stop()
        var config = APIConfig(baseURL: url, token: "secret-token-x")
        config.maxAttempts = 1
        config.connectTimeout = 2
        let client = try OpenportClient(config: config)
        let error = try #require(await apiError { _ = try await client.count(.keys) })
        #expect(error.kind == .transport)
        #expect(error.message.contains("127.0.0.1"))
        #expect(error.message.contains("OPENPORT_API_URL"))
        #expect(!error.message.contains("secret-token-x"))
        await client.shutdown()
    }

    @Test("a 500, an HTML page and garbage JSON are clear errors")
    func badAnswers() async throws {
        var options = EmulatorOptions.small
        options.faults.serverErrorRate = 1
        try await withEmulator(options) { _, client in
            let error = await apiError { _ = try await client.count(.keys) }
            #expect(error?.kind == .server)
            #expect(error?.message.contains("try again later") == true)
        }
        options = .small
        options.faults.invalidJSONRate = 1
        try await withEmulator(options) { _, client in
            let error = await apiError { _ = try await client.count(.keys) }
            #expect(error?.kind == .badResponse)
        }
        try await withEmulator { emulator, _ in
            // The base URL without /api/v2/: Django's HTML 404 page.
            let root = emulator.baseURL.replacingOccurrences(of: "api/v2/", with: "")
            let client = try OpenportClient(config: APIConfig(baseURL: root, token: "t"))
            let error = await apiError { _ = try await client.count(.keys) }
            #expect(error?.kind == .notFound)
            await client.shutdown()
        }
    }

    @Test("the token is refused over plain http to a remote host")
    func insecureHTTP() throws {
        #expect(throws: APIError.self) { try APIConfig(baseURL: "http://api.example.org/api/v2/", token: "x").validate() }
        #expect(throws: Never.self) { try APIConfig(baseURL: "http://127.0.0.1:8000/api/v2/", token: "x").validate() }
        var allowed = APIConfig(baseURL: "http://api.example.org/api/v2/", token: "x")
        allowed.allowInsecureHTTP = true
        #expect(throws: Never.self) { try allowed.validate() }
    }

    @Test("redaction removes the token from URLs and text")
    func redaction() {
        let r = Redactor(token: "s3cr3t")
        #expect(r.redact("https://h/api/v2/keys/?limit=100&offset=100&token=s3cr3t") == "https://h/api/v2/keys/?limit=100&offset=100&token=***")
        #expect(r.redact("token=other&x=1") == "token=***&x=1")
        #expect(r.redact("said s3cr3t twice: s3cr3t") == "said *** twice: ***")
    }
}

@Suite("Links from the server")
struct LinkTests {
    @Test("a next link with another scheme or host is moved onto the configured base, token and all")
    func rebased() async throws {
        let client = try OpenportClient(config: APIConfig(baseURL: "https://api.openport.io/api/v2/", token: "s3cret"))
        #expect(client.rebased("http://api.openport.io/api/v2/openforiplinkclicks/?cursor=abc&token=s3cret")
                == "https://api.openport.io/api/v2/openforiplinkclicks/?cursor=abc&token=s3cret")
        #expect(client.rebased("https://api.openport.io/api/v2/keys/?limit=100&offset=100&token=s3cret")
                == "https://api.openport.io/api/v2/keys/?limit=100&offset=100&token=s3cret")
        #expect(client.rebased("http://internal:8000/api/v2/keys/?page=2") == "https://api.openport.io/api/v2/keys/?page=2&token=s3cret")
        await client.shutdown()
    }
}
