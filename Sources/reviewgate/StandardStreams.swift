#if canImport(Glibc)
import GateRun
import Glibc
#endif

/// Buffered stdout: reports can be large, and one write per line would dominate.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) throws(Failure) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes everything buffered; a short or failed write (a full disk, a closed pipe) is a
    /// runtime failure, never a silent success.
    mutating func flush() throws(Failure) {
        let failed: Int32? = buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n < 0 ? errno : EIO }
                offset += n
            }
            return nil
        }
        buffer.removeAll(keepingCapacity: true)
        if let failed { throw Failure(.runtime, "cannot write the output: \(String(cString: strerror(failed)))") }
    }
}

enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
