import Foundation
import PelotonCore
import PelotonServices
import Testing

struct Greeting: Codable, Sendable { var name: String }
struct Greeted: Codable, Sendable { var greeting: String; var shout: Bool }

/// Counts handler runs across tasks.
actor RunCounter {
    var runs = 0
    func increment() -> Int {
        runs += 1
        return runs
    }
}

@Suite struct ServiceHostTests {
    static func greeter(counter: RunCounter, delay: Duration = .zero) throws -> ServiceDefinition {
        try ServiceDefinition(name: "greeter", version: "1.2.0", replicas: 2) { service in
            try service.method(
                "hello", html: "<h1>{{greeting}}</h1>{{#shout}}!{{/shout}}",
                transforms: ["text/csv": { @Sendable (reply: Greeted) in "greeting\n\(reply.greeting)\n" }]
            ) { (request: Greeting, _) in
                _ = await counter.increment()
                if delay > .zero { try await Task.sleep(for: delay) }
                guard !request.name.isEmpty else { throw ServiceError(status: 422, "a name is needed") }
                return Greeted(greeting: "Hello, \(request.name) <3", shout: true)
            }
            try service.method("crash") { (_: Greeting, _) -> Greeted in
                struct Boom: Error {}
                throw Boom()
            }
        }
    }

    static func host(_ services: [ServiceDefinition]) throws -> ServiceHost {
        try ServiceHost(services: services, clock: { Instant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
    }

    static func call(_ method: String, _ body: String, formats: [String] = [], id: RequestID = .random()) -> CallRequest {
        CallRequest(id: id, service: "greeter", method: method, body: Array(body.utf8), formats: formats, budgetMilliseconds: 5_000)
    }

    static func text(_ reply: CallReply) -> String? {
        guard case let .success(rendered) = reply.outcome else { return nil }
        return String(decoding: rendered.body, as: UTF8.self)
    }

    @Test func repliesRenderAsJSONTextHTMLAndCustomTypes() async throws {
        let host = try Self.host([try Self.greeter(counter: RunCounter())])
        let json = await host.handle(Self.call("hello", #"{"name":"Ada"}"#))
        #expect(Self.text(json) == #"{"greeting":"Hello, Ada <3","shout":true}"#)
        let text = await host.handle(Self.call("hello", #"{"name":"Ada"}"#, formats: ["text/plain"]))
        #expect(Self.text(text) == "greeting: Hello, Ada <3\nshout: true\n")
        let html = await host.handle(Self.call("hello", #"{"name":"Ada"}"#, formats: ["text/html"]))
        // Mustache escapes what it interpolates.
        #expect(Self.text(html) == "<h1>Hello, Ada &lt;3</h1>!")
        let csv = await host.handle(Self.call("hello", #"{"name":"Ada"}"#, formats: ["text/csv"]))
        #expect(Self.text(csv) == "greeting\nHello, Ada <3\n")
        let refused = await host.handle(Self.call("hello", #"{"name":"Ada"}"#, formats: ["image/png"]))
        #expect(refused.outcome == .failure(CallFailure(.notAcceptable, "cannot render as image/png; this method offers application/json, text/plain, text/html, text/csv")))
    }

    @Test func errorsAreClearAndFinal() async throws {
        let host = try Self.host([try Self.greeter(counter: RunCounter())])
        func failure(_ reply: CallReply) -> CallFailure? {
            if case let .failure(failure) = reply.outcome { return failure }
            return nil
        }
        let chosen = failure(await host.handle(Self.call("hello", #"{"name":""}"#)))
        #expect(chosen == CallFailure(.handler, status: 422, "a name is needed"))
        #expect(chosen?.isRetriable == false)
        let thrown = failure(await host.handle(Self.call("crash", #"{"name":"x"}"#)))
        #expect(thrown?.code == .handler && thrown?.status == 500)
        let malformed = failure(await host.handle(Self.call("hello", #"{"nom":"Ada"}"#)))
        #expect(malformed?.code == .badRequest && malformed?.message.contains("missing field \"name\"") == true)
        let missing = failure(await host.handle(Self.call("bye", "{}")))
        #expect(missing?.code == .noSuchMethod && missing?.status == 404)
        var elsewhere = Self.call("hello", "{}")
        elsewhere.service = "other"
        let notHere = failure(await host.handle(elsewhere))
        #expect(notHere?.code == .notOffered && notHere?.isRetriable == true)
    }

    @Test func aReissuedRequestRunsTheHandlerOnce() async throws {
        let counter = RunCounter()
        let host = try Self.host([try Self.greeter(counter: counter, delay: .milliseconds(50))])
        let request = Self.call("hello", #"{"name":"Ada"}"#)
        // Three copies at once (a reissue racing the original), then one after it finished.
        async let first = host.handle(request)
        async let second = host.handle(request)
        async let third = host.handle(request)
        let replies = await [first, second, third]
        let late = await host.handle(request)
        #expect(replies.allSatisfy { $0 == replies[0] })
        #expect(late == replies[0])
        #expect(await counter.runs == 1)
        #expect(host.duplicatesAbsorbed == 3)
        _ = await host.handle(Self.call("hello", #"{"name":"Ada"}"#))
        #expect(await counter.runs == 2)
    }

    @Test func badDefinitionsAreRefusedAtStart() throws {
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceDefinition(name: "has space", version: "1", replicas: 1) { _ in }
        }
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceDefinition(name: "empty", version: "1", replicas: 1) { _ in }
        }
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceDefinition(name: "s", version: "1", replicas: 0) { service in
                try service.method("m") { (_: Greeting, _) in Greeting(name: "") }
            }
        }
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceDefinition(name: "s", version: "1", replicas: 1) { service in
                try service.method("m", html: "{{#open}}") { (_: Greeting, _) in Greeting(name: "") }
            }
        }
        let service = try Self.greeter(counter: RunCounter())
        #expect(throws: ServiceDefinitionError.self) { try Self.host([service, service]) }
    }

    @Test func acceptHeadersBecomeOrderedMediaTypes() {
        #expect(MediaType.accepted(by: "text/html;q=0.5, application/json, text/plain;q=0") == ["application/json", "text/html"])
        #expect(MediaType.accepted(by: nil) == [])
        #expect(MediaType.accepted(by: "TEXT/Plain") == ["text/plain"])
        #expect(MediaType.forSuffix("txt") == "text/plain")
        #expect(MediaType.forSuffix("exe") == nil)
    }
}
