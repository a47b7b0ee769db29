import Base
import TOML
import Git

/// How a command ends when it does not pass; the exit codes of SPEC §2.
public struct Failure: Error {
    public enum Code: Int32, Sendable {
        /// The gate says no.
        case rejected = 1
        /// Bad flag, argument, policy or rule file.
        case usage = 2
        /// Repository unreadable, log not writable, time budget exceeded.
        case runtime = 3
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Maps a git-layer error to its exit code: naming something that is not there is the
    /// caller's mistake (2); a repository that cannot be read is a runtime failure (3).
    public init(_ error: GitError) {
        switch error.kind {
        case .notARepository, .notFound, .invalidSpec: self.init(.usage, error.message)
        case .missingObject, .other: self.init(.runtime, error.message)
        }
    }

    /// Any error as a failure: ours as they are, git's by their kind, configuration errors as
    /// usage errors (2), anything else as a runtime error (3).
    public init(describing error: any Error) {
        switch error {
        case let failure as Failure: self = failure
        case let git as GitError: self.init(git)
        case let config as ConfigurationError: self.init(.usage, config.description)
        default: self.init(.runtime, "\(error)")
        }
    }
}

/// The tool's name and version, as records and reports carry them.
public enum Tool {
    public static let version = "0.1.0"
}

/// Where GateRun's notes for people go (warnings, install's steps): GateRun prints nothing
/// itself; the executable points this at stderr.
public enum Notices {
    nonisolated(unsafe) public static var sink: (String) -> Void = { _ in }
    public static func write(_ text: String) { sink(text) }
}
