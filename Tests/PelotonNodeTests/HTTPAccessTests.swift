@testable import PelotonNode
import Testing

@Suite struct HTTPAccessTests {
    @Test func remoteClientsNeedTheExactTokenAndLoopbackDoesNot() {
        let token = "s3cret"
        #expect(TokenPolicy.admits(clientIP: "127.0.0.1", authorization: nil, token: token))
        #expect(TokenPolicy.admits(clientIP: "::1", authorization: nil, token: token))
        #expect(TokenPolicy.admits(clientIP: "10.1.2.3", authorization: "Bearer s3cret", token: token))
        #expect(!TokenPolicy.admits(clientIP: "10.1.2.3", authorization: nil, token: token))
        #expect(!TokenPolicy.admits(clientIP: "10.1.2.3", authorization: "Bearer s3cre", token: token))
        #expect(!TokenPolicy.admits(clientIP: "10.1.2.3", authorization: "s3cret", token: token))
        #expect(!TokenPolicy.admits(clientIP: nil, authorization: "Bearer wrong", token: token))
    }

    @Test func anAPIOpenToTheNetworkNeedsAToken() throws {
        #expect(throws: NodeSetupError.self) { try HTTPAPI.Configuration(host: "0.0.0.0", port: 7980, bearerToken: nil) }
        let configured = try HTTPAPI.Configuration(host: "0.0.0.0", port: 7980, bearerToken: "t")
        #expect(configured.bearerToken == "t")
        #expect(try HTTPAPI.Configuration(host: "127.0.0.1", port: 7980, bearerToken: nil).bearerToken == nil)
    }
}
