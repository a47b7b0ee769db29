import CLibGit2

/// A libgit2 failure, carrying libgit2's own message, read on the thread that failed.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The path holds no repository, or the environment names none.
        case notARepository
        /// A revision, ref, or object id that does not resolve.
        case notFound
        /// A revision expression that cannot be parsed, or names the wrong kind of object.
        case invalidSpec
        /// An object the repository should hold and does not: a broken or incomplete repository.
        case missingObject
        /// Anything else: unreadable or corrupt repository data, I/O failure.
        case other
    }

    public let kind: Kind
    public let code: Int32
    public let message: String

    public init(kind: Kind, code: Int32 = -1, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Reads `git_error_last()` right away, so the message belongs to this call.
    static func last(_ code: Int32, _ context: String) -> GitError {
        var text = "unknown libgit2 error"
        if let err = git_error_last(), let msg = err.pointee.message {
            text = String(cString: msg)
        }
        let kind: Kind
        switch git_error_code(rawValue: code) {
        case GIT_ENOTFOUND: kind = .notFound
        case GIT_EAMBIGUOUS, GIT_EINVALIDSPEC, GIT_EPEEL: kind = .invalidSpec
        default: kind = .other
        }
        return GitError(kind: kind, code: code, message: "\(context): \(text)")
    }
}

/// Every libgit2 return code goes through here.
@inline(__always)
func check(_ code: Int32, _ context: @autoclosure () -> String) throws(GitError) {
    if code < 0 { throw GitError.last(code, context()) }
}
