import AuditLog

/// `log analyze` for people: what the log holds, then each red flag.
public enum LogAnalysisText {
    public static func text(_ analysis: LogAnalysis, flags: [LogAnalysis.RedFlag]) -> String {
        let counts = { (table: [String: Int]) in table.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        var out = "\(analysis.records) records from \(analysis.firstTime ?? "-") to \(analysis.lastTime ?? "-"); "
            + "\(analysis.actorCount) actors\n"
        if !analysis.kinds.isEmpty { out += "kinds: \(counts(analysis.kinds))\n" }
        if !analysis.decisions.isEmpty { out += "decisions: \(counts(analysis.decisions))\n" }
        for flag in flags {
            let seqs = flag.seqs.count > 8 ? flag.seqs.prefix(8).map(String.init).joined(separator: ",") + ",…"
                : flag.seqs.map(String.init).joined(separator: ",")
            out += "red flag: \(flag.kind.rawValue): \(DisplayText.line(flag.message)) [seq \(seqs)]\n"
        }
        out += flags.isEmpty ? "no red flags\n" : "\(flags.count) red flag\(flags.count == 1 ? "" : "s")\n"
        return out
    }
}
