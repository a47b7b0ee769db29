#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The OS account a repository's hooks run as: the account that owns the repository (git runs
/// `receive-pack`, and so the hooks, as the server's account — gitolite's, sshd's forced
/// command's, fcgiwrap's). `install` run as root creates files for it and checks what it can
/// read and write by permission bits.
public struct ServerAccount: Equatable {
    public var uid: uid_t
    public var gid: gid_t
    public var name: String
    public var home: String
    public var groups: [gid_t]

    /// The account with this uid; a uid with no passwd entry keeps its number as its name.
    public init(uid: uid_t, gid fallbackGid: gid_t? = nil) {
        self.uid = uid
        if let entry = getpwuid(uid) {
            name = String(cString: entry.pointee.pw_name)
            home = String(cString: entry.pointee.pw_dir)
            gid = entry.pointee.pw_gid
        } else {
            name = "uid \(uid)"
            home = "/"
            gid = fallbackGid ?? gid_t(uid)
        }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, gid, &list, &count)
        }
        groups = Array(list.prefix(Int(max(0, count))))
        if !groups.contains(gid) { groups.append(gid) }
    }

    /// The account this process runs as.
    public static var current: ServerAccount { ServerAccount(uid: geteuid(), gid: getegid()) }

    /// The owner of `path` (the repository's git directory), with the file's group as the
    /// primary group when the uid has no passwd entry.
    public static func owner(of path: String) throws(Failure) -> ServerAccount {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure(.runtime, "cannot stat \(path): \(String(cString: strerror(errno)))") }
        return ServerAccount(uid: info.st_uid, gid: info.st_gid)
    }

    public var description: String { "\(name) (uid \(uid))" }

    /// True when this process is root acting for another account: what it creates must be
    /// handed to that account.
    public var needsHandOver: Bool { geteuid() == 0 && uid != 0 }

    /// Gives `path` to this account when root creates it for them (never follows a symlink).
    public func handOver(_ path: String) throws(Failure) {
        guard needsHandOver else { return }
        guard lchown(path, uid, gid) == 0 else {
            throw Failure(.runtime, "cannot give \(path) to \(description): \(String(cString: strerror(errno)))")
        }
    }

    public enum Access { case read, write, execute }

    /// Whether this account may do `access` on `path`, judged by the permission bits of the
    /// path and of every directory above it (ACLs are not consulted). Root may do anything but
    /// execute a file with no execute bit.
    public func may(_ access: Access, _ path: String) -> Bool {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var components = absolute.split(separator: "/").map(String.init)
        guard !components.isEmpty else { return access != .write || uid == 0 }
        components.removeLast()
        var prefix = ""
        for component in components {
            prefix += "/" + component
            guard allowed(prefix, S_IXUSR, S_IXGRP, S_IXOTH) else { return false }
        }
        switch access {
        case .read: return allowed(absolute, S_IRUSR, S_IRGRP, S_IROTH)
        case .write: return allowed(absolute, S_IWUSR, S_IWGRP, S_IWOTH)
        case .execute: return allowed(absolute, S_IXUSR, S_IXGRP, S_IXOTH)
        }
    }

    /// Whether a directory lets this account create and remove entries (write and search).
    public func mayCreate(in directory: String) -> Bool { may(.write, directory) && may(.execute, directory) }

    private func allowed(_ path: String, _ user: mode_t, _ group: mode_t, _ other: mode_t) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        if uid == 0 {
            // Root passes every check but execute, which needs some execute bit on a file.
            guard user == S_IXUSR else { return true }
            return info.st_mode & S_IFMT == S_IFDIR || info.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH) != 0
        }
        if info.st_uid == uid { return info.st_mode & user != 0 }
        if groups.contains(info.st_gid) { return info.st_mode & group != 0 }
        return info.st_mode & other != 0
    }

    /// Runs a command as this account: directly when this process already is it, through
    /// `setpriv` (util-linux) when root acts for it. HOME is the account's, as a login sets it.
    public func run(_ arguments: [String], environment extra: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
        var argv = arguments
        if geteuid() != uid {
            guard geteuid() == 0 else { return (126, "", "cannot act as \(description) without being root") }
            argv = ["setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--"] + arguments
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["USER"] = name
        environment["LOGNAME"] = name
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        // "/" rather than the home, which may not exist (nobody's is /nonexistent).
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "", "cannot run \(arguments.first ?? ""): \(error)") }
        // Read both pipes before waiting, on two threads, so neither can fill up and stall.
        nonisolated(unsafe) var errData = Data()
        let done = DispatchSemaphore(value: 0)
        Thread { errData = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
