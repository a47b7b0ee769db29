import Gate

/// JUnit XML (SPEC §5): one test case per examined commit, which fails when the commit has
/// error findings; findings tied to no commit (a ref update, the log) get a test case of
/// their own. The shape GitLab, Jenkins and most CI dashboards read.
extension VerdictReport {
    /// One test case: its name and the findings that belong to it.
    struct JUnitCase {
        var name: String
        var findings: [Finding]
    }

    /// Test cases in a fixed order: examined commits as examined, then commits that only
    /// findings name (an earlier run's, an annotated tag), then what belongs to no commit.
    var junitCases: [JUnitCase] {
        var byCommit: [String: [Finding]] = [:]
        var unnamed: [Finding] = []
        var order: [String] = []
        var listed = Set<String>()
        for commit in verdict.examined ?? [] where listed.insert(commit.id).inserted {
            order.append(commit.id)
        }
        for f in verdict.findings {
            guard let commit = f.commit else {
                unnamed.append(f)
                continue
            }
            if listed.insert(commit).inserted { order.append(commit) }
            byCommit[commit, default: []].append(f)
        }
        var cases = order.map { id -> JUnitCase in
            var name = String(id.prefix(12))
            if let subject = Self.subject(id, in: verdict.examined), !subject.isEmpty { name += " " + DisplayText.line(subject) }
            return JUnitCase(name: name, findings: byCommit[id] ?? [])
        }
        if !unnamed.isEmpty || cases.isEmpty { cases.append(JUnitCase(name: "(no commit)", findings: unnamed)) }
        return cases
    }

    /// The XML document, ending in a newline.
    public var junit: String {
        let cases = junitCases
        let failures = cases.filter { $0.findings.contains { $0.severity == .error } }.count
        let seconds = Self.seconds(durationMs)
        let suite = "reviewgate \(command)"
        var lines = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        lines.append(#"<testsuites name="reviewgate" tests="\#(cases.count)" failures="\#(failures)" errors="0" time="\#(seconds)">"#)
        lines.append(#"  <testsuite name="\#(Markup.escaped(suite))" tests="\#(cases.count)" failures="\#(failures)" errors="0" skipped="0" time="\#(seconds)">"#)
        lines.append("    <properties>")
        var properties = [("decision", verdict.decision.rawValue), ("version", version),
                          ("commits_examined", String(verdict.commitsExamined)), ("blobs_scanned", String(verdict.blobsScanned))]
        if let repository { properties.insert(("repository", DisplayText.line(repository)), at: 0) }
        for (name, value) in properties {
            lines.append(#"      <property name="\#(name)" value="\#(Markup.escaped(value))"/>"#)
        }
        lines.append("    </properties>")
        for testCase in cases {
            let open = #"    <testcase classname="\#(Markup.escaped(command))" name="\#(Markup.escaped(testCase.name))" time="0""#
            let errors = testCase.findings.filter { $0.severity == .error }
            let warnings = testCase.findings.filter { $0.severity == .warning }
            if errors.isEmpty && warnings.isEmpty {
                lines.append(open + "/>")
                continue
            }
            lines.append(open + ">")
            if !errors.isEmpty {
                let kinds = unique(errors.map(\.kind.rawValue)).joined(separator: ",")
                let message = Self.plural(errors.count, "problem") + ": " + unique(errors.map(RuleDescription.id(for:))).joined(separator: ", ")
                lines.append(#"      <failure type="\#(kinds)" message="\#(Markup.escaped(message))">"#
                             + errors.map { Markup.escaped(Self.junitLine($0)) }.joined(separator: "&#10;") + "</failure>")
            }
            if !warnings.isEmpty {
                lines.append("      <system-out>" + warnings.map { Markup.escaped("warning: " + Self.junitLine($0)) }.joined(separator: "&#10;")
                             + "</system-out>")
            }
            lines.append("    </testcase>")
        }
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `rule: path:line:col: what` — one finding as a line of a failure's text.
    static func junitLine(_ f: Finding) -> String {
        var place = pathText(f).map(DisplayText.line) ?? ""
        if let line = f.line, f.path != nil { place += ":\(line)" + (f.column.map { ":\($0)" } ?? "") }
        return RuleDescription.id(for: f) + ": " + (place.isEmpty ? "" : place + ": ") + headline(f)
    }

    /// Milliseconds as seconds with three decimals, the way JUnit writes `time`.
    static func seconds(_ ms: Int) -> String {
        let ms = max(0, ms)
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }
}
