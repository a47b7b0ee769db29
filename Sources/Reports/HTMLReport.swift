import Base
import Gate

/// The `audit` page (SPEC §5): one self-contained HTML file — inline CSS, no scripts, nothing
/// fetched — that a person reads at a glance: the decision, counts by kind and by rule, the
/// worst findings first, and the audit log's integrity. Every value is escaped.
extension VerdictReport {
    public var html: String {
        let errors = verdict.findings.filter { $0.severity == .error }.count
        let warnings = verdict.findings.count - errors
        let decision = verdict.decision.rawValue
        var h: [String] = []
        h.append("<!DOCTYPE html>")
        h.append(#"<html lang="en">"#)
        h.append("<head>")
        h.append(#"<meta charset="utf-8">"#)
        h.append(#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
        h.append("<title>\(e("ReviewGate \(command): \(decision)"))</title>")
        h.append("<style>\(Self.htmlStyle)</style>")
        h.append("</head>")
        h.append("<body>")
        h.append("<header>")
        h.append(#"<h1>ReviewGate \#(e(command)) <span class="badge \#(decision)">\#(e(decision))</span></h1>"#)
        h.append(#"<p class="lead">\#(e(Self.plural(errors, "problem"))), \#(e(Self.plural(warnings, "warning")))</p>"#)
        h.append("<dl>")
        var facts: [(String, String)] = [("Repository", repository.map(DisplayText.line) ?? "—")]
        if let startedAt { facts.append(("Time", RFC3339.utcMilliseconds(startedAt))) }
        facts += [
            ("Duration", "\(durationMs) ms"),
            ("Commits examined", String(verdict.commitsExamined)),
            ("Blobs scanned", String(verdict.blobsScanned)),
            ("Tool", "\(tool) \(version)"),
        ]
        for (term, value) in facts { h.append("<dt>\(e(term))</dt><dd>\(e(value))</dd>") }
        h.append("</dl>")
        h.append("</header>")

        h.append("<main>")
        h.append(#"<section class="counts">"#)
        h.append("<h2>By kind</h2>")
        h.append(#"<table><thead><tr><th>Kind</th><th class="n">Errors</th><th class="n">Warnings</th></tr></thead><tbody>"#)
        let kinds: [Finding.Kind] = [.secret, .approval, .signature, .ref, .log, .skipped]
        for kind in kinds {
            let ofKind = verdict.findings.filter { $0.kind == kind }
            let kindErrors = ofKind.filter { $0.severity == .error }.count
            h.append(#"<tr><td>\#(kind.rawValue)</td><td class="n\#(kindErrors > 0 ? " bad" : "")">\#(kindErrors)</td>"#
                     + #"<td class="n">\#(ofKind.count - kindErrors)</td></tr>"#)
        }
        h.append("</tbody></table>")
        h.append("<h2>By rule</h2>")
        let rules = ruleCounts
        if rules.isEmpty {
            h.append(#"<p class="none">No findings.</p>"#)
        } else {
            h.append(#"<table><thead><tr><th>Rule</th><th>What</th><th class="n">Findings</th></tr></thead><tbody>"#)
            for (rule, count) in rules {
                h.append("<tr><td><code>\(e(rule.id))</code></td><td>\(e(rule.summary))</td><td class=\"n\">\(count)</td></tr>")
            }
            h.append("</tbody></table>")
        }
        h.append("</section>")

        h.append(#"<section class="log">"#)
        h.append("<h2>Audit log integrity</h2>")
        let logFindings = verdict.findings.filter { $0.kind == .log }
        if !logFindings.isEmpty {
            h.append(#"<p><span class="badge reject">broken</span></p><ul>"#)
            for f in logFindings { h.append("<li>\(e(f.message))</li>") }
            h.append("</ul>")
        } else if logChecked {
            h.append(#"<p><span class="badge accept">intact</span> the hash chain verifies.</p>"#)
        } else {
            h.append(#"<p><span class="badge unknown">not checked</span> this run did not verify the audit log.</p>"#)
        }
        h.append("</section>")

        h.append(#"<section class="findings">"#)
        h.append("<h2>Findings, worst first</h2>")
        if verdict.findings.isEmpty {
            h.append(#"<p class="none">Nothing found.</p>"#)
        } else {
            h.append(#"<table><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>What</th></tr></thead><tbody>"#)
            for f in worstFirst {
                var place: [String] = []
                if let ref = f.ref { place.append(e(ref)) }
                if let commit = f.commit { place.append("<code>\(e(String(commit.prefix(12))))</code>") }
                if let path = f.path {
                    var where_ = DisplayText.quoted(path)
                    if let line = f.line { where_ += ":\(line)" + (f.column.map { ":\($0)" } ?? "") }
                    place.append("<code>\(e(where_))</code>")
                } else if f.location == .message {
                    place.append("commit message")
                }
                h.append(#"<tr class="\#(f.severity.rawValue)"><td>\#(f.severity.rawValue)</td><td><code>\#(e(RuleDescription.id(for: f)))</code></td>"#
                         + "<td>\(place.joined(separator: " "))</td><td>\(e(Self.headline(f)))</td></tr>")
            }
            h.append("</tbody></table>")
        }
        h.append("</section>")
        h.append("</main>")
        h.append("<footer>\(e("reviewgate \(command): " + summaryLine))</footer>")
        h.append("</body>")
        h.append("</html>")
        return h.joined(separator: "\n") + "\n"
    }

    /// Rules worst first, as the findings are (errors, then by kind), then by how many
    /// findings cite them, then by id.
    var ruleCounts: [(RuleDescription, Int)] {
        var counts: [String: (rule: RuleDescription, count: Int, rank: Int)] = [:]
        for f in verdict.findings {
            let id = RuleDescription.id(for: f)
            let rank = (f.severity == .error ? 0 : 10) + Self.kindRank(f.kind)
            var entry = counts[id] ?? (RuleDescription.describing(f, secretRules: secretRules), 0, rank)
            entry.count += 1
            entry.rank = min(entry.rank, rank)
            counts[id] = entry
        }
        return counts.values.sorted { a, b in
            (a.rank, -a.count, a.rule.id) < (b.rank, -b.count, b.rule.id)
        }.map { ($0.rule, $0.count) }
    }

    private func e(_ text: String) -> String { Markup.escaped(DisplayText.line(text)) }

    static let htmlStyle = """
    body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;padding:1.5rem;color:#1f2328;background:#fff}\
    h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}\
    .lead{font-size:1.1rem;margin:.2rem 0 1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}\
    dt{color:#59636e}dd{margin:0;overflow-wrap:anywhere}table{border-collapse:collapse;width:100%;margin:.3rem 0}\
    th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #d0d7de}th{background:#f6f8fa}\
    td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.bad{color:#b42318;font-weight:600}\
    code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}\
    tr.error td:first-child{color:#b42318;font-weight:600}tr.warning td:first-child{color:#9a6700}\
    .badge{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.85em;color:#fff;vertical-align:middle}\
    .badge.reject{background:#b42318}.badge.accept{background:#1a7f37}.badge.override{background:#9a6700}.badge.unknown{background:#59636e}\
    .none{color:#59636e}footer{margin-top:2rem;color:#59636e;font-size:.9rem}\
    @media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}th{background:#161b22}th,td,h2{border-color:#30363d}}
    """
}
