import Foundation
import Gate
@testable import Reports
import ReviewGateTestSupport
import Testing

/// SARIF as GitHub code scanning needs it: schema-valid, every result placed on a file,
/// rule metadata for every rule cited, and fingerprints that survive re-runs.
@Suite struct SARIFTests {
    func document(_ report: VerdictReport = Fixtures.report()) throws -> JSONNode {
        try JSONNode.parse(report.sarif)
    }

    @Test func validAgainstTheSchema() throws {
        let schema = try Fixtures.sarifSchema
        for report in [Fixtures.report(), Fixtures.report([]), Fixtures.report(command: "audit", examined: nil, startedAt: nil)] {
            let errors = schema.errors(try document(report))
            #expect(errors.isEmpty, "\(errors.prefix(5))")
        }
    }

    @Test(.enabled(if: Fixtures.pythonJSONSchema, "needs python3 with jsonschema"))
    func validForPythonJSONSchemaToo() throws {
        let verdicts = try SchemaDifferential.pythonValid([Fixtures.report().sarif, Fixtures.report([]).sarif])
        #expect(verdicts == [true, true])
    }

    @Test func everyResultHasWhatCodeScanningRequires() throws {
        let run = try #require(try document()["runs"]?[0])
        let driver = try #require(run["tool"]?["driver"])
        #expect(driver["name"]?.stringValue == "reviewgate" && driver["version"]?.stringValue == "0.1.0")
        #expect(driver["informationUri"]?.stringValue?.hasPrefix("https://") == true)
        let rules = try #require(driver["rules"]?.arrayValue)
        let ruleIDs = rules.compactMap { $0["id"]?.stringValue }
        #expect(ruleIDs == ["approval/payments", "generic-secret-assignment", "github-pat", "log", "ref/deny_force_push",
                            "signature", "skipped", "slack-webhook"])
        for rule in rules {
            #expect(rule["shortDescription"]?["text"]?.stringValue?.isEmpty == false)
            #expect(rule["fullDescription"]?["text"]?.stringValue?.isEmpty == false)
            #expect(rule["help"]?["text"]?.stringValue?.isEmpty == false)
            #expect(["error", "warning"].contains(rule["defaultConfiguration"]?["level"]?.stringValue ?? ""))
            #expect(rule["properties"]?["tags"]?.arrayValue?.isEmpty == false)
        }
        let github = try #require(rules.first { $0["id"] == .string("github-pat") })
        #expect(github["shortDescription"]?["text"]?.stringValue == "GitHub personal access token")
        #expect(github["properties"]?["tags"]?.arrayValue?.compactMap(\.stringValue) == ["security", "secret", "github", "token"])
        #expect(rules.first { $0["id"] == .string("skipped") }?["defaultConfiguration"]?["level"]?.stringValue == "warning")

        let results = try #require(run["results"]?.arrayValue)
        #expect(results.count == Fixtures.findings.count)
        var prints = Set<String>()
        for result in results {
            let index = try #require(result["ruleIndex"]?.intValue)
            #expect(rules[index]["id"] == result["ruleId"], "ruleIndex points at the rule")
            let locations = try #require(result["locations"]?.arrayValue)
            #expect(locations.count == 1)
            let uri = try #require(locations[0]["physicalLocation"]?["artifactLocation"]?["uri"]?.stringValue)
            #expect(!uri.isEmpty && !uri.hasPrefix("/") && !uri.contains(":") && !uri.contains(" "))
            #expect((locations[0]["physicalLocation"]?["region"]?["startLine"]?.intValue ?? 0) >= 1)
            let print = try #require(result["partialFingerprints"]?["reviewgate/v1"]?.stringValue)
            #expect(print.count == 64)
            #expect(prints.insert(print).inserted, "fingerprints tell findings apart")
            #expect(result["message"]?["text"]?.stringValue?.isEmpty == false)
        }
        // Places: a file, percent-encoded bytes, the approval's first core path, the anchor.
        let uris = results.map { $0["locations"]?[0]?["physicalLocation"]?["artifactLocation"]?["uri"]?.stringValue ?? "" }
        #expect(uris == ["assets/logo.png", "src/app.py", "src/payments/api.swift", ".reviewgate/policy.toml",
                         ".reviewgate/policy.toml", "docs/a%2Cb%3Ac%25d%20%231%0A%3Cscript%3E.txt", "cfg/%FF.env",
                         ".reviewgate/policy.toml", ".reviewgate/policy.toml"])
        let message = results[3]["locations"]?[0]?["logicalLocations"]?[0]
        #expect(message?["fullyQualifiedName"]?.stringValue == Fixtures.commits[1] + "/message")
        #expect(results[7]["locations"]?[0]?["logicalLocations"]?[0]?["fullyQualifiedName"]?.stringValue == "refs/heads/main")
        #expect(results[6]["properties"]?["path_hex"]?.stringValue == "6366672fff2e656e76")
        #expect(results[1]["properties"]?["commit"]?.stringValue == Fixtures.commits[0])
    }

    /// Code scanning matches alerts across runs by fingerprint: they must not move with the
    /// clock, the order of findings, or (for secrets) a rebase that changes the commit id.
    @Test func fingerprintsAreStable() throws {
        func prints(_ report: VerdictReport) throws -> [String: String] {
            let results = try document(report)["runs"]?[0]?["results"]?.arrayValue ?? []
            return Dictionary(results.map { (($0["message"]?["text"]?.stringValue ?? "") + ($0["ruleId"]?.stringValue ?? ""),
                                             $0["partialFingerprints"]?["reviewgate/v1"]?.stringValue ?? "") },
                              uniquingKeysWith: { a, _ in a })
        }
        let base = try prints(Fixtures.report())
        #expect(try prints(Fixtures.report(durationMs: 99_999, startedAt: 5)) == base)
        #expect(try prints(Fixtures.report(Fixtures.findings.reversed())) == base)

        var secret = Fixtures.findings[1]
        let before = VerdictReport.stableFingerprint(secret)
        secret.commit = Fixtures.commits[3]
        secret.line = 40
        #expect(VerdictReport.stableFingerprint(secret) == before, "a rebased or moved secret keeps its alert")
        secret.path = Array("src/other.py".utf8)
        #expect(VerdictReport.stableFingerprint(secret) != before, "another file is another alert")
        var signature = Fixtures.findings[4]
        let signed = VerdictReport.stableFingerprint(signature)
        signature.commit = Fixtures.commits[3]
        #expect(VerdictReport.stableFingerprint(signature) != signed, "another commit is another signature alert")
    }

    @Test(arguments: [
        ("src/app.py", "src/app.py"),
        ("a b/c#d?e", "a%20b/c%23d%3Fe"),
        ("100%.txt", "100%25.txt"),
        ("C:/x", "C%3A/x"),
        ("é", "%C3%A9"),
        ("~user/.-_", "~user/.-_"),
    ])
    func uriEscaping(path: String, uri: String) {
        #expect(VerdictReport.uriPath(Array(path.utf8)) == uri)
    }

    /// Decoding the URI gives back the exact path bytes, whatever they are.
    @Test func uriEscapingRoundTrips() {
        var rng = SplitMix(seed: 64)
        for _ in 0..<3000 {
            let bytes = (0..<Int(rng.next() % 24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let uri = VerdictReport.uriPath(bytes)
            #expect(uri.utf8.allSatisfy { $0 < 0x80 && $0 > 0x20 })
            var decoded: [UInt8] = []
            var chars = Array(uri.utf8)[...]
            while let c = chars.first {
                if c == UInt8(ascii: "%"), let b = UInt8(String(decoding: chars.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                    decoded.append(b)
                    chars = chars.dropFirst(3)
                } else {
                    decoded.append(c)
                    chars = chars.dropFirst()
                }
            }
            #expect(decoded == bytes)
        }
    }
}
