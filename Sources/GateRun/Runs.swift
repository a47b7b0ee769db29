import Base
import Foundation
import Gate
import Git
import Secrets

/// How workers open their own handle on the same repository: by its git directory when it was
/// opened by path, else from the environment again (so a hook's quarantine stays visible).
public func repositoryOpener(byPath: Bool, gitDirectory: String) -> @Sendable () throws(GitError) -> Repository {
    if byPath {
        return { () throws(GitError) in try Repository(path: gitDirectory) }
    }
    return { () throws(GitError) in try Repository.fromEnvironment() }
}

/// A commit's subject as a report may show it: the first line of its message, with any
/// secret in the message replaced by its redacted form (SPEC §1.3: never print a secret).
public func shownSubject(of commit: Commit, scanner: Secrets.Scanner, scratch: MatchScratch) -> String {
    let shown = Redaction.redactSecrets(in: commit.message, scanner: scanner, scratch: scratch)
    let line = shown.prefix { $0 != UInt8(ascii: "\n") }
    return String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
}

