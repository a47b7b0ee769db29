import AuditLog
import JSON

/// An audit record as `log show` shows it to people.
public enum LogRecordText {
    /// One line per record, then one indented line per finding and for an override. With
    /// `landing`, an accepted push says whether it landed; a landed record names the push.
    public static func text(_ record: JSONValue, landing: LandingIndex? = nil) -> String {
        func field(_ value: JSONValue?) -> String {
            switch value {
            case let .string(s)?: DisplayText.line(s)
            case let .int(i)?: String(i)
            case let .bool(b)?: String(b)
            default: "-"
            }
        }
        var line = "\(field(record["seq"])) \(field(record["time"])) \(field(record["kind"]))"
        if record["kind"] == "recovery" {
            line += " \(field(record["reason"])): \(field(record["bytes"])) bytes of \(field(record["segment"])) moved to \(field(record["torn_file"]))"
            return line + "\n"
        }
        // Events (`install`, `landed`) decide nothing and have no decision to show.
        if record["decision"] != nil { line += " \(field(record["decision"]))" }
        line += " \(field(record["actor"]?["name"]))"
        if let person = record["actor"]?["person"], case .string = person { line += " (\(field(person)))" }
        line += " \(field(record["repo"]))"
        if case let .array(refs)? = record["refs"] {
            if refs.count == 1, let ref = refs.first {
                let old = field(ref["old"]).prefix(12), new = field(ref["new"]).prefix(12)
                line += " \(field(ref["ref"])) \(old)..\(new)"
            } else if refs.count > 1 {
                line += " \(refs.count) refs"
            }
        }
        if record["kind"] == "landed" || record["kind"] == "install" {
            if record["kind"] == "landed" {
                line += record["push_seq"].flatMap { if case let .int(seq) = $0 { " confirms push seq \(seq)" } else { nil } } ?? " (no push seq matched)"
            } else if case let .array(hooks)? = record["hooks"] {
                line += ", " + hooks.map { "\(field($0["hook"])) \(field($0["path"]))" }.joined(separator: ", ")
            }
            return line + "\n"
        }
        line += " \(field(record["commits"])) commits"
        if case let .int(seq)? = record["seq"], let status = landing?.status(ofPush: seq) {
            switch status {
            case .landed: line += ", landed"
            case .notLanded: line += ", NOT LANDED"
            case let .partly(landed, total): line += ", PARTLY LANDED (\(landed) of \(total) refs)"
            }
        }
        if case let .array(findings)? = record["findings"] {
            line += ", \(findings.count) finding\(findings.count == 1 ? "" : "s")"
            line += "\n"
            for f in findings {
                var row = "    \(field(f["kind"])) \(field(f["rule"]))"
                if case .string = f["commit"] { row += " \(field(f["commit"]).prefix(12))" }
                if case .string = f["path"] { row += " \(field(f["path"]))" + (f["line"].flatMap { if case let .int(l) = $0 { ":\(l)" } else { nil } } ?? "") }
                if case .string = f["redacted"] { row += " \(field(f["redacted"]))" }
                if case .string = f["reason"] { row += " (\(field(f["reason"])))" }
                line += row + "\n"
            }
        } else {
            line += "\n"
        }
        if case .object? = record["override"] {
            line += "    override by \(field(record["override"]?["by"])): \(field(record["override"]?["reason"]))\n"
        }
        return line
    }
}
