/// How an approval names what it approves (SPEC §1.2): the commit id, or the commit's
/// `git patch-id --stable` so the approval survives a clean rebase. The policy says which a
/// core rule accepts; the signed statement says which the reviewer signed.
public enum Binding: String, Sendable, Hashable, CaseIterable {
    case commit
    case patchID = "patch-id"
}

/// What kind of evidence an approval is (SPEC §1.2): a commit trailer, or an SSH-signed note.
public enum Evidence: String, Sendable, Hashable, CaseIterable {
    case trailer, signed
}
