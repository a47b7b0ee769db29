#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// How many threads a scan or an audit runs on: `REVIEWGATE_THREADS` when set (1–64), or else
/// the CPUs this process may use — its affinity mask (taskset, a cpuset), lowered to a
/// cgroup's CPU quota (a container started with `--cpus 2` on a larger host) — at most
/// `defaultCap`. Read once per process.
public enum Workers {
    /// Past this many, an audit's memory (a repository handle and caches per worker) grows
    /// faster than its time falls; `REVIEWGATE_THREADS` can ask for more.
    public static let defaultCap = 8

    public static let count: Int = resolve(setting: getenv("REVIEWGATE_THREADS").map { String(cString: $0) },
                                           allowed: Int(reviewgate_cpus_allowed()), quota: cgroupQuota())

    /// The count from a setting (ignored unless a whole number 1–64), the CPUs allowed (0:
    /// unknown) and a quota in CPUs (nil: none).
    static func resolve(setting: String?, allowed: Int, quota: Double?) -> Int {
        if let setting, let asked = Int(setting.filter { $0 != " " && $0 != "\t" }), (1...64).contains(asked) { return asked }
        var cpus = allowed > 0 ? allowed : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        // A quota of 1.5 CPUs keeps two threads busy part of the time: rounded up.
        if let quota, quota > 0 { cpus = min(cpus, max(1, Int(quota.rounded(.up)))) }
        return max(1, min(cpus, defaultCap))
    }

    /// The CPU quota of this process's cgroup, in CPUs: v2's `cpu.max` ("QUOTA PERIOD" or
    /// "max PERIOD"), else v1's `cpu.cfs_quota_us` over `cpu.cfs_period_us` (-1: none), each
    /// read at the process's own cgroup and then at the hierarchy's root (a container's view);
    /// nil when there is none or it cannot be read.
    static func cgroupQuota() -> Double? {
        var v2 = ["/sys/fs/cgroup/cpu.max"]
        var v1 = ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"]
        for line in (readSmall("/proc/self/cgroup") ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].count > 1 else { continue }
            if fields[0] == "0", fields[1].isEmpty {
                v2.insert("/sys/fs/cgroup\(fields[2])/cpu.max", at: 0)
            } else if fields[1].split(separator: ",").contains("cpu") {
                v1.insert(contentsOf: ["/sys/fs/cgroup/cpu\(fields[2])", "/sys/fs/cgroup/cpu,cpuacct\(fields[2])"], at: 0)
            }
        }
        for place in v2 {
            if let text = readSmall(place) { return parseQuota(text) }
        }
        for directory in v1 {
            guard let quota = readSmall(directory + "/cpu.cfs_quota_us"), let period = readSmall(directory + "/cpu.cfs_period_us") else { continue }
            return parseQuota(quota + " " + period)
        }
        return nil
    }

    /// The quota `cpu.max` says (or v1's quota and period, one after the other), in CPUs;
    /// nil for "max", a negative quota or what does not parse.
    static func parseQuota(_ text: String) -> Double? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
        return quota / period
    }

    /// A small file's text (at most 4 KiB), or nil.
    private static func readSmall(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: bytes[..<n], as: UTF8.self)
    }
}
