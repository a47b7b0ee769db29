/// The statement a reviewer signs to approve a commit (SPEC §1.2), exactly three lines each
/// ending in one LF, lowercase hex ids:
///
///     reviewgate approval v1
///     commit <commit oid>        (or: patch-id <oid>, for bind = "patch-id")
///     tree <tree oid>

import Base
public struct ApprovalStatement: Sendable, Hashable, CustomStringConvertible {
    public static let namespace = "reviewgate-approval"

    public let binding: Binding
    /// The commit id, or the patch id, in lowercase hex.
    public let subject: String
    public let tree: String

    public init(commit: String, tree: String) {
        self.init(binding: .commit, subject: commit, tree: tree)
    }

    public init(patchID: String, tree: String) {
        self.init(binding: .patchID, subject: patchID, tree: tree)
    }

    public init(binding: Binding, subject: String, tree: String) {
        self.binding = binding
        self.subject = subject.lowercased()
        self.tree = tree.lowercased()
    }

    /// Reads a statement; nil unless the bytes are exactly a statement's.
    public init?(bytes: some Collection<UInt8>) {
        let lines = Array(bytes).split(separator: 10, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count == 4, lines[0] == "reviewgate approval v1", lines[3].isEmpty else { return nil }
        func field(_ line: String, _ key: String) -> String? {
            guard line.hasPrefix(key + " ") else { return nil }
            let value = String(line.dropFirst(key.count + 1))
            let isHex = (value.count == 40 || value.count == 64) && value.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
            return isHex ? value : nil
        }
        guard let tree = field(lines[2], "tree") else { return nil }
        if let commit = field(lines[1], "commit") {
            self.init(commit: commit, tree: tree)
        } else if let patchID = field(lines[1], "patch-id") {
            self.init(patchID: patchID, tree: tree)
        } else {
            return nil
        }
    }

    public var text: String { "reviewgate approval v1\n\(binding.rawValue) \(subject)\ntree \(tree)\n" }
    public var bytes: [UInt8] { Array(text.utf8) }
    public var description: String { text }
}

/// One signature found in an approvals note, and what it proves.
public struct Approval: Sendable, Equatable {
    /// The armored block as found in the note (its range and text).
    public var block: ArmoredBlock
    /// The statement the signature verifies over, when it verifies over one of those asked.
    public var statement: ApprovalStatement?
    public var verdict: SignatureVerdict

    /// The key the signature names (whether or not it verifies); nil when unreadable.
    public var claimedKey: SSHPublicKey? {
        if case .success(let signature) = block.signature { return signature.publicKey }
        return nil
    }
}

public enum ApprovalNote {
    /// Every approval in a note's text: each armored signature, checked in namespace
    /// `reviewgate-approval` against each candidate statement (the commit-bound and the
    /// patch-id-bound statement of the commit). A signature that verifies over none of them
    /// is `.invalid(.badSignature)`: it is for another commit, or damaged.
    public static func approvals(in note: some Collection<UInt8>, statements: [ApprovalStatement],
                                 trusting keys: some Collection<SSHPublicKey>) -> [Approval] {
        SSHSignature.armoredBlocks(in: note).map { block in
            let signature: SSHSignature
            switch block.signature {
            case .failure(let failure): return Approval(block: block, statement: nil, verdict: .invalid(failure))
            case .success(let s): signature = s
            }
            var firstFailure: SignatureFailure = .badSignature
            for (i, statement) in statements.enumerated() {
                let verdict = signature.verify(message: statement.bytes, namespace: ApprovalStatement.namespace, trusting: keys)
                if case .invalid(let failure) = verdict {
                    if i == 0 { firstFailure = failure }
                    continue
                }
                return Approval(block: block, statement: statement, verdict: verdict)
            }
            return Approval(block: block, statement: nil, verdict: .invalid(firstFailure))
        }
    }
}
