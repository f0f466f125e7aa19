import Foundation
import Testing
@testable import OpenportEmulator

@Suite struct KeysTests {
    let t = HTTP.demo
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBjm6RnsSh9gor3IIrhxz9uljY/i9/w5c98MS7N2jjDO me@home"

    @Test func crudRoundTrip() async throws {
        let emu = try await startEmulator()
        let port = emu.port
        let body = #"{"name":"  new box  ","public_key":"\#(Self.ed25519)","id":1,"bytes_this_month":99,"redirect_token":"x"}"#
        let created = try await HTTP.send("POST", port, "/api/v2/keys/?token=\(t)", json: body)
        #expect(created.status == 201)
        let o = created.object
        let id = try #require(o["id"] as? Int)
        #expect(id > 20_000)
        #expect(o["name"] as? String == "new box")
        #expect(o["public_key"] as? String == Self.ed25519)
        #expect(o["url"] as? String == "http://127.0.0.1:\(port)/api/v2/keys/\(id)/")
        #expect(created.header("Location") == "http://127.0.0.1:\(port)/api/v2/keys/\(id)/")
        #expect(o["bytes_this_month"] as? Int == 0)
        #expect((o["redirect_token"] as? String)?.count == 7)
        #expect(o["last_connection_time"] is NSNull)
        #expect(o["creation_time"] is String)
        #expect(created.text.hasPrefix("{\"url\":\"http://127.0.0.1:\(port)/api/v2/keys/\(id)/\",\"public_key\":"))

        let list = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=1")
        #expect(list.object["count"] as? Int == 1045)
        let got = try await HTTP.get(port, "/api/v2/keys/\(id)/?token=\(t)")
        #expect(got.status == 200)
        #expect(got.body == created.body)

        let patched = try await HTTP.send("PATCH", port, "/api/v2/keys/\(id)/?token=\(t)", json: #"{"name":"renamed"}"#)
        #expect(patched.status == 200)
        #expect(patched.object["name"] as? String == "renamed")
        #expect(patched.object["public_key"] as? String == Self.ed25519)

        let put = try await HTTP.send("PUT", port, "/api/v2/keys/\(id)/?token=\(t)", json: #"{"name":"only name"}"#)
        #expect(put.status == 400)
        #expect(put.text == #"{"public_key":["This field is required."]}"#)

        let form = try await HTTP.send(
            "PUT", port, "/api/v2/keys/\(id)/?token=\(t)",
            form: "name=via+form&public_key=\(Query.quotePlus(Self.ed25519))")
        #expect(form.status == 200)
        #expect(form.object["name"] as? String == "via form")

        let deleted = try await HTTP.request("DELETE", port: port, "/api/v2/keys/\(id)/?token=\(t)")
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        #expect(deleted.header("Content-Type") == nil)
        let gone = try await HTTP.get(port, "/api/v2/keys/\(id)/?token=\(t)")
        #expect(gone.status == 404)
        #expect(gone.text == #"{"detail":"No Key matches the given query."}"#)
        await emu.stop()
    }

    @Test func validationErrors() async throws {
        let emu = try await startEmulator()
        let port = emu.port
        let url = "/api/v2/keys/?token=\(t)"
        let cases: [(String, String)] = [
            ("{}", #"{"public_key":["This field is required."],"name":["This field is required."]}"#),
            (#"{"name":"  ","public_key":"\#(Self.ed25519)"}"#, #"{"name":["This field may not be blank."]}"#),
            (#"{"name":null,"public_key":"\#(Self.ed25519)"}"#, #"{"name":["This field may not be null."]}"#),
            (#"{"name":"\#(String(repeating: "x", count: 256))","public_key":"\#(Self.ed25519)"}"#,
             #"{"name":["Ensure this field has no more than 255 characters."]}"#),
            (#"{"name":"ok","public_key":"ssh-rsa not-base64!"}"#, #"{"public_key":["Invalid public key."]}"#),
            (#"{"name":"ok","public_key":"hello"}"#, #"{"public_key":["Invalid public key."]}"#),
            (#"{"name":true,"public_key":"\#(Self.ed25519)"}"#, #"{"name":["Not a valid string."]}"#),
            ("[1]", #"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#),
        ]
        for (body, expected) in cases {
            let r = try await HTTP.send("POST", port, url, json: body)
            #expect(r.status == 400, "\(body)")
            #expect(r.text == expected, "\(body)")
        }
        let malformed = try await HTTP.send("POST", port, url, json: #"{"name": "x",}"#)
        #expect(malformed.status == 400)
        #expect((malformed.object["detail"] as? String)?.hasPrefix("JSON parse error - ") == true)
        let unsupported = try await HTTP.send("POST", port, url, json: "name=x", contentType: "text/plain")
        #expect(unsupported.status == 415)
        #expect(unsupported.text == #"{"detail":"Unsupported media type \"text/plain\" in request."}"#)
        let name255 = try await HTTP.send(
            "POST", port, url, json: #"{"name":"\#(String(repeating: "é", count: 255))","public_key":"\#(Self.ed25519)"}"#)
        #expect(name255.status == 201)
        // Nothing but the valid create happened.
        #expect(try await HTTP.get(port, url).object["count"] as? Int == 1045)
        await emu.stop()
    }

    @Test func accountsDoNotMix() async throws {
        let port = try await SharedEmulator.port()
        let other = EmulatorAccounts.otherToken
        let otherKeys = try await HTTP.get(port, "/api/v2/keys/?token=\(other)")
        #expect(otherKeys.object["count"] as? Int == 5)
        #expect(otherKeys.object["next"] is NSNull)
        #expect(try await HTTP.get(port, "/api/v2/sessions/?token=\(other)").object["count"] as? Int == 3)
        #expect(try await HTTP.get(port, "/api/v2/openforiplinkclicks/?token=\(other)").object["count"] as? Int == 50)
        let otherIds = otherKeys.results.compactMap { $0["id"] as? Int }
        let demoId = try #require(try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=1").results.first?["id"] as? Int)
        #expect(!otherIds.contains(demoId))
        let cross = try await HTTP.get(port, "/api/v2/keys/\(demoId)/?token=\(other)")
        #expect(cross.status == 404)
        #expect(cross.text == #"{"detail":"No Key matches the given query."}"#)
        let back = try await HTTP.get(port, "/api/v2/keys/\(otherIds[0])/?token=\(t)")
        #expect(back.status == 404)
        let nonNumeric = try await HTTP.get(port, "/api/v2/keys/abc/?token=\(t)")
        #expect(nonNumeric.status == 404)
        #expect(nonNumeric.text == #"{"detail":"Not found."}"#)
    }
}
