// The executable: flags become option values, the library does the work, errors become one
// line on stderr and an exit code (SPEC §2).
import ArgumentParser
import GateRun
import Git
import Reports
#if canImport(Glibc)
import Glibc
#endif

func fail(_ failure: Failure) -> Never {
    // A message of several lines (steps to take) keeps its lines, each made terminal-safe.
    let lines = failure.message.split(separator: "\n", omittingEmptySubsequences: false)
    StandardError.write("reviewgate: error: \(DisplayText.line(String(lines[0])))\n"
        + lines.dropFirst().map { "reviewgate: " + DisplayText.line(String($0)) + "\n" }.joined())
    exit(failure.code.rawValue)
}

// SIGPIPE would end the process without a word; a failed write is reported instead (exit 3).
signal(SIGPIPE, SIG_IGN)
Notices.sink = { StandardError.write($0) }
do {
    // The hooks take no flags and run inside every push: they skip the command-line
    // parser (a few milliseconds of reflection) and start at once.
    if Array(CommandLine.arguments.dropFirst()) == ["hook", "pre-receive"] {
        try PreReceive.runHook()
        exit(0)
    }
    if Array(CommandLine.arguments.dropFirst()) == ["hook", "post-receive"] { try PostReceive().run(); exit(0) }
    var command = try ReviewGate.parseAsRoot()
    try command.run()
} catch let failure as Failure {
    fail(failure)
} catch let error as GitError {
    fail(Failure(error))
} catch let code as ExitCode {
    exit(code.rawValue)
} catch {
    switch ReviewGate.exitCode(for: error) {
    case .success:
        // --help and --version are requests, not errors.
        print(ReviewGate.fullMessage(for: error))
        exit(0)
    case .validationFailure:
        StandardError.write(ReviewGate.fullMessage(for: error) + "\n")
        exit(Failure.Code.usage.rawValue)
    default:
        fail(Failure(.runtime, "\(error)"))
    }
}
