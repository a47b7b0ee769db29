import Foundation
import ReviewGateTestSupport
import Testing

/// `check` and `audit` writing SARIF, JUnit, GitHub annotations and HTML on a real repository
/// with secrets, compared byte for byte with golden files once the run's clock and temporary
/// path are masked.
@Suite struct ReportCommandTests {
    /// A history with a secret in a file, one in a commit message, a binary file and a clean
    /// commit; ids are fixed (fixed names, dates and seeded secrets).
    struct Fixture {
        var repo: ScratchRepository
        var base: String
        var secrets: [String]
    }

    func fixture() throws -> Fixture {
        var factory = SecretFactory(seed: 600)
        let token = factory.githubToken()
        let slack = factory.slackBotToken()
        let repo = try ScratchRepository(label: "reports")
        try repo.write("README.md", "hello\n")
        let base = try repo.commit("root")
        try repo.write("src/deploy config.py", "print('deploy')\nGH_TOKEN = \"\(token)\"\n")
        try repo.commit("add the deploy script")
        try repo.write(Array("assets/logo.png".utf8), Data([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]))
        try repo.commit("notify with \(slack) & add a logo")
        try repo.write("docs/notes.md", "nothing to see\n")
        try repo.commit("docs <only>")
        return Fixture(repo: repo, base: base, secrets: [token, slack])
    }

    /// Runs the binary and checks no secret reaches stdout, stderr or the output file.
    func gate(_ arguments: [String], _ fixture: Fixture, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let result = try reviewgate(arguments, in: fixture.repo.url)
        for secret in fixture.secrets {
            #expect(!result.out.contains(secret) && !result.err.contains(secret), "a secret was printed", sourceLocation: sourceLocation)
        }
        return result
    }

    /// The run's time, duration and temporary path replaced by fixed markers.
    func masked(_ text: String, _ fixture: Fixture) -> String {
        var out = text.replacingOccurrences(of: fixture.repo.path, with: "<repo>")
        let rules: [(String, String)] = [
            (#""durationMs": \d+"#, #""durationMs": 0"#),
            (#""(start|end)TimeUtc": "[^"]*""#, #""$1TimeUtc": "<time>""#),
            (#"time="\d+\.\d{3}""#, #"time="0.000""#),
            (#"in \d+ ms"#, "in 0 ms"),
            (#"<dd>\d+ ms</dd>"#, "<dd>0 ms</dd>"),
            (#"<dt>Time</dt><dd>[^<]*</dd>"#, "<dt>Time</dt><dd>&lt;time&gt;</dd>"),
        ]
        for (pattern, template) in rules {
            let regex = try! NSRegularExpression(pattern: pattern)
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out
    }

    @Test func checkFormatsMatchGoldenFiles() throws {
        let f = try fixture()
        let range = "\(f.base)..HEAD"

        let sarif = try gate(["check", range, "--format", "sarif"], f)
        #expect(sarif.status == 1, "\(sarif.err)")
        #expect(sarif.err.isEmpty, "machine formats write nothing else")
        try expectSnapshot(masked(sarif.out, f), named: "check.sarif", in: "EndToEndTests")
        let schemaURL = Scratch.packageRoot.appendingPathComponent("Tests/ReportsTests/Resources/sarif-schema-2.1.0.json")
        let schema = try JSONSchemaValidator(schema: JSONNode.parse(try Data(contentsOf: schemaURL)))
        let doc = try JSONNode.parse(sarif.out)
        #expect(schema.errors(doc).isEmpty, "\(schema.errors(doc).prefix(3))")
        let results = doc["runs"]?[0]?["results"]?.arrayValue ?? []
        // The logo is binary: read in its printable runs (SPEC §1.3), no longer skipped.
        #expect(results.compactMap { $0["ruleId"]?.stringValue } == ["github-pat", "slack-bot-token"])
        #expect(results[0]["locations"]?[0]?["physicalLocation"]?["artifactLocation"]?["uri"]?.stringValue == "src/deploy%20config.py")

        let junit = try gate(["check", range, "--format", "junit"], f)
        #expect(junit.status == 1)
        try expectSnapshot(masked(junit.out, f), named: "check.junit.xml", in: "EndToEndTests")
        // One test case per examined commit, named by id and subject.
        let parsed = try run(["python3", "-c", """
        import sys, xml.etree.ElementTree as ET
        s = ET.fromstring(sys.stdin.read()).find('testsuite')
        print('\\n'.join('%s|%s' % (c.get('name'), c.find('failure') is not None) for c in s.findall('testcase')))
        """], input: junit.stdout)
        #expect(parsed.status == 0, "\(parsed.err)")
        let subjects = try f.repo.gitOutput(["log", "--reverse", "--format=%h", "--abbrev=12", "\(f.base)..HEAD"]).split(separator: "\n")
        let cases = parsed.out.split(separator: "\n").map(String.init)
        #expect(cases.count == 3 && zip(cases, subjects).allSatisfy { $0.hasPrefix($1) }, "\(cases)")
        #expect(cases.map { $0.hasSuffix("|True") } == [true, true, false])
        #expect(cases[2].contains("docs <only>"))

        let github = try gate(["check", range, "--format", "github"], f)
        #expect(github.status == 1)
        try expectSnapshot(masked(github.out, f), named: "check.github.txt", in: "EndToEndTests")
        #expect(github.out.hasPrefix("::error file=src/deploy config.py,line=2,col=13,title=reviewgate github-pat::"))

        // --output: the same bytes in the file, nothing on stdout.
        let file = f.repo.url.appendingPathComponent("out.sarif")
        let written = try gate(["check", range, "--format", "sarif", "--output", file.path], f)
        #expect(written.status == 1 && written.out.isEmpty)
        #expect(masked(try String(contentsOf: file, encoding: .utf8), f) == masked(sarif.out, f))

        // A clean range: SARIF with no results, JUnit with passing cases, exit 0.
        let clean = try gate(["check", "HEAD~1..HEAD", "--format", "junit"], f)
        #expect(clean.status == 0 && clean.out.contains(#"failures="0""#) && clean.out.contains("docs &lt;only&gt;"))
    }

    @Test func auditFormatsMatchGoldenFiles() throws {
        let f = try fixture()
        let sarif = try gate(["audit", "--format", "sarif"], f)
        #expect(sarif.status == 1, "\(sarif.err)")
        try expectSnapshot(masked(sarif.out, f), named: "audit.sarif", in: "EndToEndTests")
        #expect(sarif.out.contains(#""id": "reviewgate/audit/""#))

        let page = f.repo.url.appendingPathComponent("audit.html")
        let html = try gate(["audit", "--format", "html", "--output", page.path], f)
        #expect(html.status == 1 && html.out.isEmpty)
        let text = try String(contentsOf: page, encoding: .utf8)
        for secret in f.secrets { #expect(!text.contains(secret)) }
        try expectSnapshot(masked(text, f), named: "audit.html", in: "EndToEndTests")
        #expect(text.contains("the hash chain verifies"), "audit verifies the log")
    }

    /// The `reviewgate` lines of the shipped CI examples, run as written in a repository that
    /// looks like each CI's checkout, with each CI's variables.
    @Test func ciExamplesRunAsWritten() throws {
        let f = try fixture()
        let head = try f.repo.gitOutput(["rev-parse", "HEAD"])
        // actions/checkout with fetch-depth 0 leaves the base branch as origin/<base>.
        try f.repo.git(["update-ref", "refs/remotes/origin/main", f.base])
        let binDirectory = URL(fileURLWithPath: Scratch.binary).deletingLastPathComponent().path
        let path = binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let examples: [(String, [String: String])] = [
            ("hooks/github-actions.yml", ["GITHUB_BASE_REF": "main", "GITHUB_SHA": head]),
            ("hooks/gitlab-ci.yml", ["CI_MERGE_REQUEST_DIFF_BASE_SHA": f.base, "CI_COMMIT_SHA": head, "GITHUB_BASE_REF": ""]),
        ]
        for (file, variables) in examples {
            let text = try String(contentsOf: Scratch.packageRoot.appendingPathComponent(file), encoding: .utf8)
            let commands = text.split(separator: "\n").map { line -> String in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return trimmed.hasPrefix("- ") ? String(trimmed.dropFirst(2)) : trimmed
            }.filter { $0.hasPrefix("reviewgate ") }
            #expect(commands.count == 2, "\(file)")
            for command in commands {
                let result = try run(["bash", "-c", command], in: f.repo.url, environment: variables.merging(["PATH": path]) { $1 })
                // Exit 1 is the gate saying no (the fixture has secrets); a command that
                // tolerates it (`|| test $? -eq 1`) passes.
                #expect(result.status == (command.contains("test $? -eq 1") ? 0 : 1), "\(file): \(command): \(result.err)")
                for secret in f.secrets { #expect(!result.out.contains(secret) && !result.err.contains(secret)) }
            }
        }
        let sarif = try JSONNode.parse(try Data(contentsOf: f.repo.url.appendingPathComponent("reviewgate.sarif")))
        #expect(sarif["runs"]?[0]?["results"]?.arrayValue?.count == 2)
        let junit = try String(contentsOf: f.repo.url.appendingPathComponent("reviewgate-junit.xml"), encoding: .utf8)
        #expect(junit.components(separatedBy: "<testcase ").count == 4, "three commits, three test cases")
    }

    @Test(arguments: [
        (["check", "HEAD~1..HEAD", "--format", "html"], "check cannot write --format html; use text, json, sarif, junit or github."),
        (["audit", "--format", "junit"], "audit cannot write --format junit; use text, json, sarif or html."),
        (["audit", "--format", "github"], "audit cannot write --format github"),
        (["scan", "--format", "sarif"], "scan cannot write --format sarif; use text or json."),
        (["check", "HEAD~1..HEAD", "--format", "xml"], "--format"),
    ])
    func refusesFormatsACommandDoesNotWrite(arguments: [String], message: String) throws {
        let f = try fixture()
        let result = try gate(arguments, f)
        #expect(result.status == 2)
        #expect(result.err.contains(message), "\(result.err)")
        #expect(result.out.isEmpty)
    }
}
