import AuditLog
import Base

/// `log verify`'s line for an intact log.
public enum LogVerifyText {
    public static func summary(_ report: VerificationReport, notes: [String]) -> String {
        var line = "ok: \(report.records) record\(report.records == 1 ? "" : "s") in \(report.segments) segment\(report.segments == 1 ? "" : "s"), "
            + "root \(Base64.encode(report.root))"
        if report.checkpointsMatched > 0 { line += "; \(report.checkpointsMatched) checkpoint\(report.checkpointsMatched == 1 ? "" : "s") matched" }
        for note in notes { line += "; \(note)" }
        return line
    }
}
