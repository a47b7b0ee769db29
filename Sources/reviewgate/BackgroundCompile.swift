#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GateRun

/// `reviewgate rules compile` started in the background, detached from the terminal and the
/// caller (its own session, standard streams on /dev/null, a lower priority), when a scan found
/// no kept merged database: that scan searched with the keywords' and triggers' databases one
/// after the other, and the next one loads the merged one in a millisecond instead. Like git's
/// detached auto gc it is never waited for; a compile cut short leaves nothing (files are
/// written whole and renamed into place, `HyperscanCache`). REVIEWGATE_BACKGROUND_COMPILE=0
/// turns it off; REVIEWGATE_CACHE_DIR=off keeps nothing, so nothing is started.
enum BackgroundCompile {
    /// glibc's POSIX_SPAWN_SETSID (spawn.h, since 2.26; declared only under _GNU_SOURCE).
    static let setsid: Int16 = 0x80

    /// Set in the compile's environment: it lowers its own priority.
    static let marker = "REVIEWGATE_IN_BACKGROUND"

    static func start(ruleFiles: [String]) {
        if let off = getenv("REVIEWGATE_BACKGROUND_COMPILE"), String(cString: off) == "0" { return }
        // Not from a background compile itself.
        guard getenv(marker) == nil else { return }
        let executable = HookScript.currentExecutable()
        let arguments = [executable, "rules", "compile"] + ruleFiles
        let environment = ProcessInfo.processInfo.environment.map { "\($0)=\($1)" } + [marker + "=1"]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Self.setsid)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        _ = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    }
}
