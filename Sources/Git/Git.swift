// The git layer: libgit2 behind Swift values. Every C pointer is owned here and freed here;
// nothing outside this module sees an OpaquePointer. One `Repository` per thread.
import CLibGit2

/// Process-wide libgit2 set-up, done once before the first repository is opened.
enum LibGit2 {
    static let initialized: Bool = {
        git_libgit2_init()
        // Objects were hashed by git when they were received (index-pack verifies every one);
        // re-hashing each read costs ~40% of a history walk and buys nothing here.
        _ = reviewgate_opts_int(Int32(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION.rawValue), 0)
        // Keep raw trees and commits of any size in the object cache: a history walk reads
        // every tree twice (as a commit's tree, then as its child's parent tree).
        _ = reviewgate_opts_cache_object_limit(GIT_OBJECT_TREE, 1 << 20)
        _ = reviewgate_opts_cache_object_limit(GIT_OBJECT_COMMIT, 1 << 16)
        // Packed objects come from the pack store and its own cache; libgit2's serves the rest.
        _ = reviewgate_opts_cache_max_size(16 << 20)
        // Map pack files in 32 MiB windows, at most 256 MiB at a time: a history audit
        // touches a whole pack, and unlimited windows count all of it as resident memory.
        _ = reviewgate_opts_size(Int32(GIT_OPT_SET_MWINDOW_SIZE.rawValue), 32 << 20)
        _ = reviewgate_opts_size(Int32(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT.rawValue), 256 << 20)
        return true
    }()
}

/// Whether libgit2 refuses repositories owned by another account (git's `safe.directory`).
public enum OwnerValidation {
    /// Switches the check off for this process. For commands an administrator points at a
    /// server repository explicitly (`install --repo`, run as root on the git account's
    /// repository); never for the hook, which runs as the repository's own account.
    public static func disable() {
        _ = LibGit2.initialized
        _ = reviewgate_opts_int(Int32(GIT_OPT_SET_OWNER_VALIDATION.rawValue), 0)
    }
}
