// Appends records to an audit log directory and prints each acknowledged seq on stdout, one
// per line, as soon as the append has returned (so a test that kills this process knows
// exactly which records were promised). Used by the AuditLog tests and Benchmarks/audit-log.sh.
//
//   log-append --dir DIR --count N [--batch K] [--tag T] [--pad BYTES] [--key FILE]
//              [--segment-bytes B] [--timings]
import AuditLog
import Foundation
import JSON

func say(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
}

func usage(_ message: String) -> Never {
    say("log-append: \(message)\n", to: 2)
    exit(2)
}

var options: [String: String] = [:]
var timings = false
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    if flag == "--timings" { timings = true; continue }
    guard flag.hasPrefix("--"), let value = arguments.popFirst() else { usage("bad argument \(flag)") }
    options[String(flag.dropFirst(2))] = value
}
guard let directory = options["dir"], let count = Int(options["count"] ?? "") else { usage("--dir and --count are required") }
let batch = max(1, Int(options["batch"] ?? "1") ?? 1)
let tag = options["tag"] ?? "p\(getpid())"
let pad = String(repeating: "x", count: Int(options["pad"] ?? "0") ?? 0)
var signer: NoteSigner?
if let keyPath = options["key"] {
    guard let data = FileManager.default.contents(atPath: keyPath) else { usage("cannot read \(keyPath)") }
    let text = String(decoding: data, as: UTF8.self)
    do { signer = try NoteSigner(parsing: text) } catch { usage("\(keyPath): \(error)") }
}
let log = AuditLog(directory: directory, segmentBytes: Int(options["segment-bytes"] ?? "") ?? AuditLog.defaultSegmentBytes,
                   signer: signer, tool: "log-append")

/// A record shaped like a push decision, about 600 bytes.
func body(_ i: Int) -> JSONValue {
    let oid = String(repeating: String(i % 10), count: 40)
    return .object([
        ("kind", "push"), ("repo", .string("\(tag)/\(i)")),
        ("actor", .object([("name", .string("user\(i % 7)")), ("source", "REVIEWGATE_USER"), ("person", .string("user\(i % 7)"))])),
        ("remote", "192.0.2.10"),
        ("refs", .array([.object([("ref", "refs/heads/main"), ("old", .string(oid)), ("new", .string(oid))])])),
        ("commits", .int(Int64(i % 13))), ("decision", i % 5 == 0 ? "reject" : "accept"),
        ("findings", i % 5 == 0 ? .array([.object([
            ("kind", "secret"), ("rule", "github-pat"), ("commit", .string(oid)), ("path", "src/app.py"), ("line", 12),
            ("fingerprint", .string(String(repeating: "ab", count: 32))), ("redacted", "ghp_…Ab"),
        ])]) : .array([])),
        ("override", .null), ("policy", .string(String(repeating: "cd", count: 32))), ("tool", "reviewgate 0.1.0"),
        ("duration_ms", .int(Int64(i % 90))), ("pad", .string(pad)),
    ])
}

var i = 0
while i < count {
    let n = min(batch, count - i)
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    let appended: AuditLog.Appended
    do {
        appended = try log.append(contentsOf: (i..<i + n).map(body))
    } catch {
        say("log-append: \(error)\n", to: 2)
        exit(3)
    }
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let micros = (end.tv_sec - start.tv_sec) * 1_000_000 + (end.tv_nsec - start.tv_nsec) / 1000
    if let failure = appended.checkpointFailure { say("log-append: checkpoint: \(failure)\n", to: 2) }
    // One write per batch: the seqs acknowledged together.
    say(appended.seqs.map { timings ? "\($0) \(micros)\n" : "\($0)\n" }.joined(), to: 1)
    i += n
}
