import Foundation
import Testing

/// Compares `actual` with the golden file `Tests/<suite>/Snapshots/<name>`; with
/// `REVIEWGATE_RECORD=1` in the environment it writes the file instead and records an issue,
/// so a recording run always fails. A missing golden file is a failure, never a silent pass.
public func expectSnapshot(_ actual: String, named name: String, in suite: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = Scratch.packageRoot.appendingPathComponent("Tests/\(suite)/Snapshots/\(name)")
    if ProcessInfo.processInfo.environment["REVIEWGATE_RECORD"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let previous = try? String(contentsOf: url, encoding: .utf8)
        try Data(actual.utf8).write(to: url)
        // Recording is never a pass: the run that wrote golden files must not count as green.
        if previous != actual {
            Issue.record("recorded \(url.path) (\(previous == nil ? "new" : "changed")); review the diff and run again without REVIEWGATE_RECORD",
                         sourceLocation: sourceLocation)
        } else {
            Issue.record("REVIEWGATE_RECORD=1: \(name) was rewritten unchanged; run again without it to test", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden file \(url.path); run with REVIEWGATE_RECORD=1 to write it", sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "differs from \(name)", sourceLocation: sourceLocation)
}

/// Runs the built `reviewgate` binary.
@discardableResult
public func reviewgate(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
                       input: Data? = nil) throws -> CommandResult {
    try run([Scratch.binary] + arguments, in: directory, environment: environment, input: input)
}
