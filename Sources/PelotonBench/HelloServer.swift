import Hummingbird

/// The routing bench's baseline: the smallest Hummingbird server, answering "Hello" on
/// 127.0.0.1:`port`. Run as `PelotonBench hello-server PORT`.
func runHelloServer(port: Int) async throws {
    let router = Router()
    router.get("/") { _, _ in "Hello" }
    // The same work minus Peloton: collect a POST body and send it back.
    router.post("/echo") { request, _ in
        Response(status: .ok, body: .init(byteBuffer: try await request.body.collect(upTo: 1 << 20)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
    try await app.runService()
}
