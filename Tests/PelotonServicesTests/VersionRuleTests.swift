import PelotonCrypto
import PelotonServices
import Testing

@Suite struct VersionRuleTests {
    let a = NodeID(high: 1, low: 1), b = NodeID(high: 2, low: 2), c = NodeID(high: 3, low: 3), d = NodeID(high: 4, low: 4)

    @Test func versionsCompareAsPeopleWriteThem() {
        #expect(ServiceVersion.isNewer("1.10.0", than: "1.9.2"))
        #expect(!ServiceVersion.isNewer("1.9.2", than: "1.10.0"))
        #expect(ServiceVersion.isNewer("2.0", than: "1.99.99"))
        #expect(ServiceVersion.isNewer("1.2.1", than: "1.2"))
        #expect(!ServiceVersion.isNewer("1.2.0", than: "1.2.0"))
        // A numbered release is newer than a named one at the same place (1.2.0 over 1.2.0-rc).
        #expect(ServiceVersion.isNewer("1.2.0", than: "1.2.rc1"))
        #expect(ServiceVersion.isNewer("beta", than: "alpha"))
    }

    @Test func anyTakesTheRingsOrderAndNewestReordersOnlyTheOwners() throws {
        let versions = [a: "1.0.0", b: "1.1.0", c: "1.1.0", d: "2.0.0"]
        let preference = [a, b, c, d]
        #expect(try VersionRule.any.owners(preference: preference, replicas: 3, versions: versions, service: "echo").get() == [a, b, c])
        // The owners stay the same three; the newest among them go first, ties in ring order.
        #expect(try VersionRule.preferNewest.owners(preference: preference, replicas: 3, versions: versions, service: "echo").get() == [b, c, a])
    }

    @Test func anExactVersionWalksThePreferenceListAndNoneOfferingItIsAClearError() throws {
        let versions = [a: "1.0.0", b: "1.1.0", c: "1.0.0", d: "1.1.0"]
        let preference = [a, b, c, d]
        #expect(try VersionRule.exactly("1.1.0").owners(preference: preference, replicas: 2, versions: versions, service: "echo").get() == [b, d])
        #expect(try VersionRule.exactly("1.0.0").owners(preference: preference, replicas: 1, versions: versions, service: "echo").get() == [a])
        guard case let .failure(failure) = VersionRule.exactly("3.0.0").owners(preference: preference, replicas: 2, versions: versions, service: "echo") else {
            Issue.record("a version no one offers must fail")
            return
        }
        #expect(failure.code == .noOwners && failure.status == 404)
        #expect(failure.message == "no member offers echo 3.0.0 (offered: 1.1.0, 1.0.0)")
    }

    @Test func theQueryNamesTheRule() {
        #expect(VersionRule(query: nil) == .any && VersionRule(query: "") == .any)
        #expect(VersionRule(query: "newest") == .preferNewest)
        #expect(VersionRule(query: "1.2.3") == .exactly("1.2.3"))
    }
}
