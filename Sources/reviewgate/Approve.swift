import GateRun
import ArgumentParser
import Base
import Git
import Signatures

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
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
        let signingKey = try SigningKey.choose(flag: key, repository: repo)
        let done = try ApprovalSigning.approve(repo, revision: revision, bind: bind, key: signingKey, notesRef: notesRef)
        let id = done.commit.hex, publicKey = done.signature.publicKey
        var out = StandardOutput()
        try out.write("Approved \(id) with \(publicKey.algorithm.rawValue) key \(publicKey.fingerprint)\n")
        try out.write("Signed statement (namespace \(ApprovalStatement.namespace)):\n")
        for line in done.statement.text.split(separator: "\n") { try out.write("    \(line)\n") }
        try out.write("Added to the note of \(id) on \(done.notesRef). Publish it with:\n    git push origin \(done.notesRef)\n")
        try out.flush()
    }
}

extension Binding: ExpressibleByArgument {}
