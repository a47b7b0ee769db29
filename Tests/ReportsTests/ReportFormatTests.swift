import Foundation
import Gate
@testable import Reports
import ReviewGateTestSupport
import Testing

/// Every format of SPEC §5 from verdicts built directly: golden files byte for byte, and the
/// properties each consumer relies on (code scanning, JUnit readers, the Actions runner, a
/// browser).
@Suite struct ReportFormatTests {
    @Test func goldenFiles() throws {
        let full = Fixtures.report()
        try expectSnapshot(full.sarif, named: "full.sarif", in: "ReportsTests")
        try expectSnapshot(full.junit, named: "full.junit.xml", in: "ReportsTests")
        try expectSnapshot(full.githubAnnotations, named: "full.github.txt", in: "ReportsTests")
        try expectSnapshot(full.text, named: "full.txt", in: "ReportsTests")
        try expectSnapshot(full.json.serialized() + "\n", named: "full.json", in: "ReportsTests")
        let audit = Fixtures.report(command: "audit", examined: nil)
        try expectSnapshot(audit.html, named: "full-audit.html", in: "ReportsTests")
        let clean = Fixtures.report([], command: "audit", examined: nil, logChecked: true)
        try expectSnapshot(clean.html, named: "clean-audit.html", in: "ReportsTests")
        try expectSnapshot(clean.sarif, named: "clean.sarif", in: "ReportsTests")
        let cleanCheck = Fixtures.report([], examined: Array(Fixtures.examined.prefix(2)))
        try expectSnapshot(cleanCheck.junit, named: "clean.junit.xml", in: "ReportsTests")
        try expectSnapshot(cleanCheck.githubAnnotations, named: "clean.github.txt", in: "ReportsTests")
    }

    /// The same verdict renders the same bytes every time (no clocks, no dictionary order).
    @Test func outputIsByteStable() {
        for _ in 0..<20 {
            let a = Fixtures.report(), b = Fixtures.report()
            #expect(a.sarif == b.sarif && a.junit == b.junit && a.html == b.html && a.githubAnnotations == b.githubAnnotations)
        }
        let untimed = Fixtures.report(startedAt: nil)
        #expect(!untimed.sarif.contains("startTimeUtc") && !untimed.html.contains("<dt>Time</dt>"))
    }

    // MARK: JUnit

    @Test func junitHasOneCasePerCommitAndIsWellFormed() throws {
        let report = Fixtures.report()
        let parsed = try XMLProbe.parse([report.junit])[0]
        // Four examined commits, then one case for what belongs to no commit (ref, log).
        #expect(parsed.cases.count == 5)
        #expect(parsed.cases.map(\.name) == ["3f1c2a9b8d7e add the app", "a0b1c2d3e4f5 payments: a new ledger <fast> & \"safe\"",
                                             "0123456789ab release?[31m 1.0", "fedcba987654 docs only", "(no commit)"])
        #expect(parsed.cases.map(\.failed) == [true, true, true, false, true])
        #expect(parsed.cases.allSatisfy { $0.classname == "check" })
        #expect(parsed.failures == 4 && parsed.tests == 5)
        // A commit whose only finding is a warning passes, the warning kept in system-out.
        var onlyWarning = Verdict(findings: [.skipped(.binary, commit: Fixtures.commits[3], path: Array("x.bin".utf8))],
                                  commitsExamined: 1, blobsScanned: 1)
        onlyWarning.examined = [Fixtures.examined[3]]
        let warned = VerdictReport(version: "0.1.0", command: "check", repository: nil, verdict: onlyWarning, durationMs: 1234)
        let warnedXML = try XMLProbe.parse([warned.junit])[0]
        #expect(warnedXML.cases.map(\.failed) == [false])
        #expect(warned.junit.contains("<system-out>warning: skipped: x.bin") && warned.junit.contains(#"time="1.234""#))
    }

    /// Whatever bytes reach a report (subjects, paths, messages), the XML stays well-formed.
    @Test func junitStaysWellFormedForHostileText() throws {
        var rng = SplitMix(seed: 61)
        var documents: [String] = []
        for _ in 0..<300 {
            let text = Self.hostileText(&rng)
            let bytes = Array(Self.hostileText(&rng).utf8) + [UInt8(truncatingIfNeeded: rng.next())]
            var verdict = Verdict(findings: [
                Finding(kind: .secret, severity: .error, rule: text, commit: Fixtures.commits[0], path: bytes, line: 1,
                        location: .content, redacted: text, message: text),
                .skipped(.binary, commit: Fixtures.commits[1], path: bytes),
            ], commitsExamined: 2, blobsScanned: 2)
            verdict.examined = [ExaminedCommit(id: Fixtures.commits[0], subject: text), ExaminedCommit(id: Fixtures.commits[1], subject: text)]
            documents.append(VerdictReport(version: "0.1.0", command: text, repository: text, verdict: verdict, durationMs: 1).junit)
        }
        let parsed = try XMLProbe.parse(documents)
        #expect(parsed.count == documents.count)
        #expect(parsed.allSatisfy { $0.cases.count == 2 && $0.failures == 1 })
    }

    static func hostileText(_ rng: inout SplitMix) -> String {
        let pieces = ["&", "<", ">", "\"", "'", "]]>", "\u{0}", "\u{1b}[2J", "\n", "\r", "\t", "%", "::", ",", "é", "\u{202e}",
                      "\u{FFFE}", "<!--", "-->", "&amp;", "𝄞", "a", " "]
        return (0..<Int(rng.next() % 12)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
    }

    // MARK: GitHub annotations

    @Test func githubAnnotationsOneLinePerFindingWorstFirst() {
        let report = Fixtures.report()
        let lines = report.githubAnnotations.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == Fixtures.findings.count + 1)
        #expect(lines.prefix(7).allSatisfy { $0.hasPrefix("::error ") })
        #expect(lines.dropFirst(7).prefix(2).allSatisfy { $0.hasPrefix("::warning ") })
        #expect(lines.first == "::error file=src/app.py,line=12,col=9,title=reviewgate github-pat::GitHub personal access token: ghp_…Ab (fingerprint 5e0a1b0a1b0a1b0a) in commit 3f1c2a9b8d7e")
        // `,` `:` `%` in a path are escaped in the property; control characters never pass.
        #expect(lines.contains { $0.hasPrefix("::warning file=docs/a%2Cb%3Ac%25d #1?<script>.txt,title=reviewgate skipped::") })
        #expect(lines.last == "reviewgate check: reject: 7 problems, 2 warnings; 4 commits and 9 blobs examined in 42 ms")
    }

    @Test(arguments: [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),
    ])
    func githubEscaping(input: String, data: String, property: String) {
        #expect(VerdictReport.escapedData(input) == data)
        #expect(VerdictReport.escapedProperty(input) == property)
    }

    /// What the runner decodes (`%25` last) gives back the original, for any text.
    @Test func githubEscapingRoundTrips() {
        var rng = SplitMix(seed: 62)
        for _ in 0..<2000 {
            let text = Self.hostileText(&rng)
            for escaped in [VerdictReport.escapedProperty(text), VerdictReport.escapedData(text)] {
                #expect(!escaped.contains("\n") && !escaped.contains("\r"))
                let decoded = Self.unescape(escaped)
                #expect(decoded == text)
            }
            #expect(!VerdictReport.escapedProperty(text).contains(",") && !VerdictReport.escapedProperty(text).contains(":"))
        }
    }

    /// The runner's decoding: each escape once, `%25` last.
    static func unescape(_ text: String) -> String {
        text.replacing("%0D", with: "\r").replacing("%0A", with: "\n").replacing("%3A", with: ":")
            .replacing("%2C", with: ",").replacing("%25", with: "%")
    }

    // MARK: HTML

    @Test func htmlIsSelfContainedEscapedAndWorstFirst() throws {
        let page = Fixtures.report(command: "audit").html
        // Nothing runs and nothing is fetched: no scripts, frames, links, images or imports.
        for forbidden in ["<script", "<link", "<iframe", "<object", "<embed", "<img", "src=", "href=", "url(", "@import"] {
            #expect(!page.lowercased().contains(forbidden), "\(forbidden)")
        }
        #expect(page.contains("&lt;script&gt;.txt"))
        #expect(!page.contains("\u{1b}"))
        let problems = try XMLProbe.htmlProblems([page])
        #expect(problems == [""], "\(problems)")
        // Errors first (secrets, approvals, signatures, refs, the log), then warnings.
        let rows = page.split(separator: "\n").filter { $0.hasPrefix("<tr class=\"") }.map { row in
            String(row.split(separator: "<code>")[1].split(separator: "</code>")[0])
        }
        #expect(rows == ["github-pat", "slack-webhook", "generic-secret-assignment", "approval/payments", "signature",
                         "ref/deny_force_push", "log", "skipped", "skipped"])
        #expect(page.contains("<td>secret</td><td class=\"n bad\">3</td><td class=\"n\">0</td>"))
        #expect(page.contains("<tr><td><code>skipped</code></td><td>File not scanned for secrets</td><td class=\"n\">2</td></tr>"))
        // Rules in the same order: errors by kind, warnings last.
        let ruleRows = page.split(separator: "\n").filter { $0.hasPrefix("<tr><td><code>") }.map { row in
            String(row.dropFirst("<tr><td><code>".count).split(separator: "<")[0])
        }
        #expect(ruleRows == ["generic-secret-assignment", "github-pat", "slack-webhook", "approval/payments", "signature",
                             "ref/deny_force_push", "log", "skipped"])
        #expect(page.contains("broken"))
        #expect(page.contains("<dt>Time</dt><dd>2023-11-14T22:13:20.123Z</dd>"))
        #expect(Fixtures.report([]).html.contains("not checked"))
        #expect(Fixtures.report([], logChecked: true).html.contains("intact"))
    }

    @Test func htmlStaysBalancedForHostileText() throws {
        var rng = SplitMix(seed: 63)
        var pages: [String] = []
        for _ in 0..<200 {
            let text = Self.hostileText(&rng)
            var ref = Finding(kind: .ref, severity: .error, rule: text, message: text)
            ref.ref = text
            let verdict = Verdict(findings: [
                Finding(kind: .secret, severity: .error, rule: text, commit: text, path: Array(text.utf8), line: 2, column: 3,
                        location: .content, redacted: text, fingerprint: text, message: text),
                ref, Finding(kind: .log, severity: .error, message: text),
            ], commitsExamined: 1, blobsScanned: 1)
            pages.append(VerdictReport(version: text, command: text, repository: text, verdict: verdict, durationMs: 0).html)
        }
        let problems = try XMLProbe.htmlProblems(pages)
        let bad = problems.filter { !$0.isEmpty }
        #expect(problems.count == pages.count && bad.isEmpty, "\(bad.prefix(3))")
        #expect(pages.allSatisfy { !$0.contains("\u{1b}") && !$0.contains("\u{0}") && !$0.contains("\u{202e}") })
    }
}

/// Python's parsers as independent judges of well-formedness: `xml.etree` for JUnit (and the
/// counts a CI dashboard would read), `html.parser` for the page's tag balance.
enum XMLProbe {
    struct Case { var classname: String; var name: String; var failed: Bool }
    struct Document { var tests: Int; var failures: Int; var cases: [Case] }

    /// Parses each document; any parse error fails the call.
    static func parse(_ documents: [String]) throws -> [Document] {
        let script = """
        import sys, json, xml.etree.ElementTree as ET
        out = []
        for path in sys.argv[1:]:
            root = ET.parse(path).getroot()
            suite = root.find('testsuite')
            cases = [{'classname': c.get('classname'), 'name': c.get('name'), 'failed': c.find('failure') is not None}
                     for c in suite.findall('testcase')]
            out.append({'tests': int(root.get('tests')), 'failures': int(root.get('failures')), 'cases': cases})
        print(json.dumps(out))
        """
        let out = try python(script, documents)
        let doc = try JSONNode.parse(out)
        return (doc.arrayValue ?? []).map { d in
            Document(tests: d["tests"]?.intValue ?? -1, failures: d["failures"]?.intValue ?? -1,
                     cases: (d["cases"]?.arrayValue ?? []).map {
                         Case(classname: $0["classname"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "",
                              failed: $0["failed"] == .bool(true))
                     })
        }
    }

    /// For each page: "" when every non-void element is closed in order and no attribute can
    /// load or run anything (only lang, charset, name, content, class), else what is wrong.
    static func htmlProblems(_ pages: [String]) throws -> [String] {
        let script = """
        import sys, json
        from html.parser import HTMLParser
        VOID = {'meta', 'br', 'hr', 'img', 'input', 'link'}
        class P(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True); self.stack = []; self.problem = ''
            def handle_starttag(self, tag, attrs):
                if tag not in VOID: self.stack.append(tag)
                for name, _ in attrs:
                    if name not in ('lang', 'charset', 'name', 'content', 'class'):
                        self.problem = self.problem or 'attribute %s on <%s>' % (name, tag)
            def handle_endtag(self, tag):
                if not self.stack or self.stack.pop() != tag: self.problem = self.problem or 'unexpected </%s>' % tag
        out = []
        for path in sys.argv[1:]:
            p = P(); p.feed(open(path, encoding='utf-8').read()); p.close()
            out.append(p.problem or ('unclosed ' + ','.join(p.stack) if p.stack else ''))
        print(json.dumps(out))
        """
        return (try JSONNode.parse(try python(script, pages)).arrayValue ?? []).map { $0.stringValue ?? "?" }
    }

    static func python(_ script: String, _ documents: [String]) throws -> String {
        let dir = try Scratch.directory("xml")
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, doc) in documents.enumerated() {
            let url = dir.appendingPathComponent("\(i).xml")
            try Data(doc.utf8).write(to: url)
            paths.append(url.path)
        }
        let result = try run(["python3", "-c", script] + paths)
        guard result.status == 0 else { throw PythonFailure(message: result.err) }
        return result.out
    }
}
