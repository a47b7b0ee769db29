#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The wall clock, in the units records and reports use.
public enum WallClock {
    /// Milliseconds since the Unix epoch.
    public static func milliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Whole seconds since the Unix epoch (key validity windows are checked against this).
    public static func seconds() -> Int64 { milliseconds() / 1000 }
}

/// RFC 3339 times without Foundation, so records and reports are the same bytes everywhere.
/// Hostile values (a commit's date is whatever the pusher wrote) are clamped, never trapped.
public enum RFC3339 {
    /// `2024-05-01T09:30:00.125Z`: UTC with milliseconds, for records, logs and reports.
    public static func utcMilliseconds(_ milliseconds: Int64) -> String {
        let clamped = min(max(milliseconds, -(1 << 60)), 1 << 60)
        let ms = ((clamped % 1000) + 1000) % 1000
        let (date, time) = civil((clamped - ms) / 1000)
        return "\(date)T\(time).\(pad(ms, 3))Z"
    }

    /// `2024-01-01T00:00:00+01:00`: the moment in the offset it was recorded with (git
    /// identities carry their own offset).
    public static func withOffset(seconds: Int64, offsetMinutes: Int) -> String {
        let limit: Int64 = 1 << 50
        let offsetMinutes = min(max(offsetMinutes, -100_000), 100_000)
        let local = min(max(seconds, -limit), limit) + Int64(offsetMinutes) * 60
        let (date, time) = civil(local)
        let sign = offsetMinutes < 0 ? "-" : "+"
        let off = Int64(abs(offsetMinutes))
        return "\(date)T\(time)\(sign)\(pad(off / 60, 2)):\(pad(off % 60, 2))"
    }

    /// Reads `YYYY-MM-DD` (midnight UTC) or RFC 3339 (`T`, `t` or space, optional fraction,
    /// `Z` or an offset) as milliseconds since the epoch. Nil when it is neither.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= b.count else { return nil }
            var v: Int64 = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 10, let y = number(0..<4), b[4] == UInt8(ascii: "-"), let mo = number(5..<7), b[7] == UInt8(ascii: "-"),
              let d = number(8..<10), (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y) else { return nil }
        var ms = days(fromYear: y, month: mo, day: d) * 86_400_000
        if b.count == 10 { return ms }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let h = number(11..<13), b[13] == UInt8(ascii: ":"), let mi = number(14..<16), b[16] == UInt8(ascii: ":"),
              let s = number(17..<19), h < 24, mi < 60, s < 61 else { return nil }
        ms += (h * 3600 + mi * 60 + s) * 1000
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                ms += Int64(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            return i + 1 == b.count ? ms : nil
        }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 6, let oh = number(i + 1..<i + 3),
              b[i + 3] == UInt8(ascii: ":"), let om = number(i + 4..<i + 6), oh < 24, om < 60 else { return nil }
        let offset = (oh * 60 + om) * 60_000
        return b[i] == UInt8(ascii: "+") ? ms - offset : ms + offset
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days_from_civil.
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Seconds since the epoch → (`YYYY-MM-DD`, `hh:mm:ss`), Hinnant's civil_from_days; years
    /// outside 0…9999 are written in full.
    static func civil(_ seconds: Int64) -> (String, String) {
        var days = seconds / 86400
        var rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let year = y >= 0 && y < 10000 ? pad(y, 4) : String(y)
        return ("\(year)-\(pad(m, 2))-\(pad(d, 2))", "\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))")
    }
}
