import GateRun
import ArgumentParser
import Base
import Foundation
import Git
import Signatures

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Signs an approval of a commit and adds it to the approvals notes ref.",
        discussion: """
            The signed statement is SPEC §1.2's (namespace reviewgate-approval). An unencrypted \
            ed25519 key is used directly; other keys, encrypted keys and keys held by an agent \
            (--key naming a .pub file) are signed with ssh-keygen -Y sign. The key defaults to \
            git config user.signingkey, else ~/.ssh/id_ed25519.
            """
    )

    @Argument(help: "The commit to approve (any revision git understands).")
    var revision: String

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "The SSH key to sign with: a private key, or a .pub file whose key an agent holds.")
    var key: String?

    @Option(help: "What the approval binds to: commit, or patch-id (survives a clean rebase).")
    var bind: Binding = .commit

    @Option(name: .customLong("notes-ref"), help: "The notes ref approvals are kept on.")
    var notesRef: String = "refs/notes/reviewgate"

    func run() throws {
        let repo = try openRepository(repository)
        let id = try repo.resolveCommit(revision)
        let commit = try repo.commit(id)
        let statement: ApprovalStatement
        switch bind {
        case .commit:
            statement = ApprovalStatement(commit: id.hex, tree: commit.tree.hex)
        case .patchID:
            guard let patchID = try repo.patchID(of: id) else {
                throw Failure(.usage, "\(revision) has no patch id (\(commit.isMerge ? "a merge" : "it changes nothing")); approve it with --bind commit")
            }
            statement = ApprovalStatement(patchID: patchID.hex, tree: commit.tree.hex)
        }
        let signingKey = try SigningKey.choose(flag: key, repository: repo)
        let signature = try signingKey.sign(statement)
        let ref = Self.expandNotesRef(notesRef)
        // The statement goes in the note in clear above its signature: readers see what was
        // approved, and a patch-id approval can still be checked after a rebase changed the tree.
        try repo.appendNote(Array((statement.text + signature.armored).utf8), to: id, notesRef: ref)

        var out = StandardOutput()
        try out.write("Approved \(id.hex) with \(signature.publicKey.algorithm.rawValue) key \(signature.publicKey.fingerprint)\n")
        try out.write("Signed statement (namespace \(ApprovalStatement.namespace)):\n")
        for line in statement.text.split(separator: "\n") { try out.write("    \(line)\n") }
        try out.write("Added to the note of \(id.hex) on \(ref). Publish it with:\n    git push origin \(ref)\n")
        try out.flush()
    }

    /// git's `expand_notes_ref`: `refs/notes/X` stays, `notes/X` gains `refs/`, anything else
    /// goes under `refs/notes/`.
    static func expandNotesRef(_ name: String) -> String {
        if name.hasPrefix("refs/notes/") { return name }
        if name.hasPrefix("notes/") { return "refs/" + name }
        return "refs/notes/" + name
    }
}

extension Binding: ExpressibleByArgument {}

