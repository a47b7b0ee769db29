#if canImport(Glibc)
import Glibc
#endif
import Gate

/// The formats a run's report can take (SPEC §5); each command accepts a subset.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, sarif, junit, github, html
}

extension VerdictReport {
    /// The whole report in one format, as the bytes a file or a pipe receives.
    public func rendered(as format: ReportFormat) -> String {
        switch format {
        case .text: text
        case .json: json.serialized() + "\n"
        case .sarif: sarif
        case .junit: junit
        case .github: githubAnnotations
        case .html: html
        }
    }
}

/// `--output FILE`: a report written in place, not through a temporary file and a rename, so
/// `/dev/null` or a FIFO stays what it is, even for root; a regular file is truncated first.
public enum ReportFile {
    /// Nil when written; else why not.
    public static func write(_ body: String, to path: String) -> String? {
        var fd: Int32
        repeat { fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG, ftruncate(fd, 0) != 0 {
            return String(cString: strerror(errno))
        }
        let bytes = Array(body.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return n < 0 ? String(cString: strerror(errno)) : "short write" }
            offset += n
        }
        return nil
    }
}

extension SecretSettings {
    /// The secret rules as reports describe them (SARIF rule metadata, the HTML page).
    public var ruleDescriptions: [RuleDescription] {
        scanner.ruleSet.rules.map { RuleDescription.secret(id: $0.id, description: $0.description, tags: $0.tags) }
    }
}
