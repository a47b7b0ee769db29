// The executable: flags become option values, the library does the work, errors become one
// line on stderr and an exit code (SPEC §2).
import ArgumentParser
import Git
import Reports
#if canImport(Glibc)
import Glibc
#endif

func fail(_ failure: Failure) -> Never {
    StandardError.write("reviewgate: error: \(DisplayText.line(failure.message))\n")
    exit(failure.code.rawValue)
}

let command: ParsableCommand
do {
    command = try ReviewGate.parseAsRoot()
} catch {
    // Help and --version are requests, not errors; every other parse failure is a usage error.
    if ReviewGate.exitCode(for: error) == .success {
        print(ReviewGate.fullMessage(for: error))
        exit(0)
    }
    StandardError.write(ReviewGate.fullMessage(for: error) + "\n")
    exit(Failure.Code.usage.rawValue)
}

do {
    var runnable = command
    try runnable.run()
} catch let failure as Failure {
    fail(failure)
} catch let error as GitError {
    fail(Failure(error))
} catch {
    fail(Failure(.runtime, "\(error)"))
}
