import Gate

/// GitHub Actions workflow commands (SPEC §5): one `::error` or `::warning` annotation per
/// finding, worst first, then a plain summary line. GitHub shows them on the run and, with a
/// file and line, on the pull request's diff.
extension VerdictReport {
    public var githubAnnotations: String {
        var lines: [String] = []
        for f in worstFirst {
            var properties: [(String, String)] = []
            // Control characters are never passed to the log; such a path cannot be annotated
            // in place anyway.
            if let path = Self.pathText(f) {
                properties.append(("file", DisplayText.line(path)))
                if let line = f.line, line >= 1 {
                    properties.append(("line", String(line)))
                    if let column = f.column, column >= 1 { properties.append(("col", String(column))) }
                }
            }
            properties.append(("title", "reviewgate " + RuleDescription.id(for: f)))
            let command = switch f.severity {
            case .error: "error"
            case .warning: "warning"
            case .note: "notice"
            }
            let props = properties.map { "\($0.0)=\(Self.escapedProperty($0.1))" }.joined(separator: ",")
            lines.append("::\(command) \(props)::\(Self.escapedData(Self.headline(f)))")
        }
        lines.append(Self.escapedData("reviewgate \(command): " + summaryLine))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A command's message: `%`, CR and LF percent-encoded, as the runner decodes them.
    static func escapedData(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A property value: as a message, and `:` and `,` too, which end a property.
    static func escapedProperty(_ text: String) -> String {
        escapedData(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }
}
