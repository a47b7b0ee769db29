import CLibGit2
#if canImport(Glibc)
import Glibc
#endif

/// Who a new commit is by: `GIT_AUTHOR_NAME`/`GIT_COMMITTER_NAME` (and `_EMAIL`) when set,
/// else `user.name` and `user.email` from git config, as git itself decides.
private final class CommitIdentity {
    let pointer: UnsafeMutablePointer<git_signature>

    init(role: String, repository: Repository) throws(GitError) {
        func environment(_ name: String) -> String? {
            guard let value = getenv(name) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        var name = environment("GIT_\(role)_NAME")
        if name == nil { name = try repository.configString("user.name") }
        var email = environment("GIT_\(role)_EMAIL")
        if email == nil { email = try repository.configString("user.email") }
        guard let name, let email else {
            throw GitError(kind: .other, message: "who are you? set user.name and user.email in git config (git config user.email you@example.com)")
        }
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&signature, name, email), "cannot make the identity \(name) <\(email)>")
        pointer = signature!
    }

    deinit { git_signature_free(pointer) }
}

extension Repository {
    /// A git config value (repository, global and system files, as git reads them), or nil
    /// when it is not set.
    public func configString(_ name: String) throws(GitError) -> String? {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, pointer), "cannot read the git config")
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, config, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "cannot read \(name) from the git config")
        return value.map { String(cString: $0) }
    }

    /// Appends `text` to the note of `object` on `notesRef` (a full ref name such as
    /// `refs/notes/reviewgate`), as `git notes --ref R append` does: a new note is the text;
    /// an existing one gets a blank line and then the text. The notes commit is made with
    /// the user's identity. Returns the new notes commit.
    @discardableResult
    public func appendNote(_ text: [UInt8], to object: ObjectID, notesRef: String) throws(GitError) -> ObjectID {
        var appended = text
        if appended.last != 10 { appended.append(10) }
        var combined = appended
        if let existing = try note(for: object, notesRef: notesRef), !existing.isEmpty {
            combined = existing + [10] + appended
        }
        // libgit2 takes the note as a C string.
        guard !combined.contains(0) else {
            throw GitError(kind: .other, message: "the note of \(object) holds a NUL byte; it cannot be extended")
        }
        let author = try CommitIdentity(role: "AUTHOR", repository: self)
        let committer = try CommitIdentity(role: "COMMITTER", repository: self)
        var target = object.gitOID
        var out = git_oid()
        let code = (combined + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { note in
                git_note_create(&out, pointer, notesRef, author.pointer, committer.pointer, &target, note, 1)
            }
        }
        try check(code, "cannot write the note of \(object) on \(notesRef)")
        guard let commit = try reference(named: notesRef) else {
            throw GitError(kind: .other, message: "\(notesRef) was not updated")
        }
        return commit
    }
}
