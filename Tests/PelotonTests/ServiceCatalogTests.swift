import Peloton
import PelotonExamples
import Testing

/// What `node --services` may choose from: a binary's own services, by name and version.
@Suite struct ServiceCatalogTests {
    @Test func aServiceIsChosenByNameAtItsOwnVersionOrAnother() throws {
        let catalog = try ServiceCatalog(services: try ExampleServices.definitions(), jobs: try ExampleServices.jobs())
        #expect(catalog.names == ["echo", "counter"])
        let chosen = try catalog.definitions(named: ["counter", "echo@1.1.0"])
        #expect(chosen.map(\.name) == ["counter", "echo"])
        #expect(chosen.map(\.version) == ["1.0.0", "1.1.0"])
        #expect(chosen[1].methodNames == catalog.services[0].methodNames)
    }

    @Test func anUnknownServiceIsRefusedNamingThoseOnOffer() throws {
        let catalog = try ServiceCatalog(services: try ExampleServices.definitions())
        #expect { try catalog.definitions(named: ["greeter"]) } throws: { error in
            "\(error)" == "no service named greeter; this binary offers echo, counter"
        }
        #expect(throws: ServiceDefinitionError.self) { try catalog.definitions(named: ["echo@"]) }
        let empty = try ServiceCatalog(services: [])
        #expect { try empty.definitions(named: ["echo"]) } throws: { "\($0)".hasSuffix("offers none") }
    }

    @Test func twoServicesOrJobsOfOneNameAreRefused() throws {
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceCatalog(services: [try EchoService.definition(), try EchoService.definition(version: "2.0.0")])
        }
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceCatalog(services: [], jobs: [try MonteCarloJob.definition(), try MonteCarloJob.definition()])
        }
    }
}
