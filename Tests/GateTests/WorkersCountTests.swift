#if canImport(Glibc)
import Glibc
#endif
import CSystem
@testable import Gate
import Testing

/// How many threads a run takes: the setting, the CPUs allowed, a cgroup's quota, the cap.
@Suite struct WorkersCountTests {
    @Test func settingAllowedCPUsAndQuota() {
        #expect(Workers.resolve(setting: "3", allowed: 16, quota: nil) == 3)
        #expect(Workers.resolve(setting: " 12 ", allowed: 2, quota: 1) == 12, "asked for, past the CPUs and the cap")
        for bad in ["0", "65", "-2", "two", ""] {
            #expect(Workers.resolve(setting: bad, allowed: 4, quota: nil) == 4, "'\(bad)' is ignored")
        }
        #expect(Workers.resolve(setting: nil, allowed: 2, quota: nil) == 2)
        #expect(Workers.resolve(setting: nil, allowed: 64, quota: nil) == Workers.defaultCap)
        #expect(Workers.resolve(setting: nil, allowed: 16, quota: 2) == 2, "a container's --cpus 2")
        #expect(Workers.resolve(setting: nil, allowed: 16, quota: 1.5) == 2, "a part CPU keeps a thread busy part time")
        #expect(Workers.resolve(setting: nil, allowed: 16, quota: 0.25) == 1)
        #expect(Workers.resolve(setting: nil, allowed: 1, quota: 4) == 1)
    }

    @Test func cgroupQuotaText() {
        #expect(Workers.parseQuota("max 100000\n") == nil)
        #expect(Workers.parseQuota("200000 100000\n") == 2)
        #expect(Workers.parseQuota("50000 100000") == 0.5)
        #expect(Workers.parseQuota("150000\n 100000\n") == 1.5, "cgroup v1's quota and period")
        #expect(Workers.parseQuota("-1\n 100000\n") == nil, "cgroup v1 without a quota")
        #expect(Workers.parseQuota("") == nil && Workers.parseQuota("garbage") == nil && Workers.parseQuota("0 100000") == nil)
    }

    /// The kernel's answer for this process: at least one CPU, no more than are online.
    @Test func allowedCPUsFromTheKernel() {
        let allowed = Int(reviewgate_cpus_allowed())
        #expect(allowed >= 1 && allowed <= Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
        #expect(Workers.count >= 1 && Workers.count <= 64)
        // This machine's cgroup quota, whichever version it runs: none, or a positive number.
        #expect(Workers.cgroupQuota().map { $0 > 0 } ?? true)
    }
}
