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

    /// The CPU quota of this process's cgroup (v2 `cpu.max`, "QUOTA PERIOD" or "max PERIOD"),
    /// in CPUs; nil when there is none or it cannot be read.
    static func cgroupQuota() -> Double? {
        var places = ["/sys/fs/cgroup/cpu.max"]
        if let own = readSmall("/proc/self/cgroup") {
            for line in own.split(separator: "\n") where line.hasPrefix("0::/") {
                let path = line.dropFirst(3)
                if path.count > 1 { places.insert("/sys/fs/cgroup\(path)/cpu.max", at: 0) }
            }
        }
        for place in places {
            guard let text = readSmall(place) else { continue }
            return parseQuota(text)
        }
        return nil
    }

    /// The quota `cpu.max` says, in CPUs; nil for "max" or what does not parse.
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
