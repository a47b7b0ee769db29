import TOML
import Git

/// How a command ends when it does not pass; the exit codes of SPEC §2.
struct Failure: Error {
    enum Code: Int32 {
        /// The gate says no.
        case rejected = 1
        /// Bad flag, argument, policy or rule file.
        case usage = 2
        /// Repository unreadable, log not writable, time budget exceeded.
        case runtime = 3
    }

    var code: Code
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Maps a git-layer error to its exit code: naming something that is not there is the
    /// caller's mistake (2); a repository that cannot be read is a runtime failure (3).
    init(_ error: GitError) {
        switch error.kind {
        case .notARepository, .notFound, .invalidSpec: self.init(.usage, error.message)
        case .missingObject, .other: self.init(.runtime, error.message)
        }
    }

    /// Any error as a failure: ours as they are, git's by their kind, configuration errors as
    /// usage errors (2), anything else as a runtime error (3).
    init(describing error: any Error) {
        switch error {
        case let failure as Failure: self = failure
        case let git as GitError: self.init(git)
        case let config as ConfigurationError: self.init(.usage, config.description)
        default: self.init(.runtime, "\(error)")
        }
    }
}
