import GateRun
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Reports
import Git

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Installs the pre-receive hook, the audit log directory and a policy into a repository on the server.",
        discussion: """
        Writes the pre-receive hook (it runs this binary and rejects pushes if the binary goes \
        missing), creates reviewgate/audit (mode 0750), copies --policy to reviewgate/policy.toml \
        (or writes a starter policy that protects itself when there is none), and sets \
        receive.advertisePushOptions=true so pushers can use -o reviewgate.override. Run as root \
        on a repository the server's account owns, everything it creates belongs to that account. \
        Where the server manages hooks itself (gitolite, a pre-receive.d directory) the hook goes \
        into that mechanism, or nothing is written and the exact steps are printed. Running it \
        again is harmless. A plain pre-receive hook that is not ReviewGate's is left alone unless \
        --force is given; then it is kept as pre-receive.backup-<time>. --check writes nothing and \
        says whether the installed gate will run for a push.
        """
    )

    @Option(help: "The repository on the server (usually bare).")
    var repo: String

    @Option(help: "The policy file to install (it is checked first).")
    var policy: String?

    @Flag(help: "Replace a plain pre-receive hook that is not ReviewGate's (it is backed up first).")
    var force = false

    @Flag(help: "Write nothing; check that the installed gate will run for a push (exit 1 when not).")
    var check = false

    func validate() throws {
        if check && (policy != nil || force) { throw ValidationError("--check takes no --policy or --force.") }
    }

    func run() throws {
        // The administrator names the repository: open it whoever owns it (git's
        // safe.directory check is for repositories one stumbles into, not this).
        OwnerValidation.disable()
        let repository = try Repository(path: repo)
        if check {
            let problems = try InstallCheck(repository: repository).run()
            if problems > 0 { throw ExitCode(Failure.Code.rejected.rawValue) }
            return
        }
        try InstallPlan.make(repository: repository, policyFile: policy, force: force).execute()
    }
}

