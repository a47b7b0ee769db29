import Foundation
import JSON
import Testing
@testable import AuditLog
import ReviewGateTestSupport

/// The built `log-append` tool, found beside the test bundle like the reviewgate binary.
var logAppendBinary: String {
    let reviewgate = URL(fileURLWithPath: Scratch.binary)
    return reviewgate.deletingLastPathComponent().appendingPathComponent("log-append").path
}

/// A running `log-append`, its stdout going to a file the test reads afterwards.
final class Appender {
    let process = Process()
    let output: URL

    init(directory: String, count: Int, tag: String, extra: [String] = []) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("log-append-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: logAppendBinary)
        process.arguments = ["--dir", directory, "--count", String(count), "--tag", tag] + extra
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit { try? FileManager.default.removeItem(at: output) }

    /// The seqs it acknowledged: whole lines only (a kill may cut the last one short).
    func acknowledged() throws -> [Int64] {
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // whatever follows the last newline is not a whole line
        return lines.compactMap { Int64($0) }
    }
}

/// All records of the log, by seq, after checking it verifies.
func verifiedRecords(_ log: AuditLog) throws -> [Int64: JSONValue] {
    let report = try log.verify()
    #expect(report.problem == nil, "\(report.problem.map(String.init(describing:)) ?? "")")
    var records: [Int64: JSONValue] = [:]
    try log.forEachRecord { entry in
        if let seq = entry.seq { records[seq] = entry.record }
        return true
    }
    #expect(records.count == Int(report.records))
    return records
}

@Suite(.serialized) struct ProcessTests {
    @Test func sixteenProcessesAppendingAtOnce() throws {
        let dir = try Scratch.directory("concurrent").path + "/audit"
        let appenders = try (0..<16).map { try Appender(directory: dir, count: 200, tag: "proc\($0)") }
        for appender in appenders { appender.process.waitUntilExit() }
        #expect(appenders.allSatisfy { $0.process.terminationStatus == 0 })
        let log = AuditLog(directory: dir)
        let records = try verifiedRecords(log)
        #expect(records.count == 3200)
        #expect(Set(records.keys) == Set(1...3200))
        // Each process's 200 acknowledged seqs are its own records, in its own order.
        for (k, appender) in appenders.enumerated() {
            let seqs = try appender.acknowledged()
            #expect(seqs.count == 200 && seqs == seqs.sorted())
            for (i, seq) in seqs.enumerated() {
                #expect(records[seq]?["repo"] == .string("proc\(k)/\(i)"))
            }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(!names.contains { $0.hasSuffix(".torn") }, "nothing torn: \(names)")
    }

    /// Appending processes killed with SIGKILL at random moments, over many rounds: every
    /// record a process acknowledged is still there, and the log verifies after the next
    /// append has recovered whatever a kill tore.
    @Test func killedAppendersLoseNothingAcknowledged() throws {
        let dir = try Scratch.directory("crash").path + "/audit"
        var rng = SplitMix(seed: 2024)
        var promised: [Int64: String] = [:]
        var recoveries = 0
        for round in 0..<24 {
            // Big records in some rounds make a kill inside write() likely (a short write).
            let pad = round % 3 == 0 ? 4_000_000 : (round % 3 == 1 ? 200_000 : 0)
            let appenders = try (0..<3).map { k in
                try Appender(directory: dir, count: 1000, tag: "r\(round)p\(k)",
                             extra: ["--pad", String(pad), "--segment-bytes", "30000000"])
            }
            usleep(UInt32(20_000 + rng.next() % 150_000))
            for appender in appenders {
                kill(appender.process.processIdentifier, SIGKILL)
                usleep(UInt32(rng.next() % 3000))
            }
            for (k, appender) in appenders.enumerated() {
                appender.process.waitUntilExit()
                for (i, seq) in try appender.acknowledged().enumerated() {
                    #expect(promised[seq] == nil, "seq \(seq) acknowledged twice")
                    promised[seq] = "r\(round)p\(k)/\(i)"
                }
            }
            // The next append recovers a torn tail, if any, and the log then verifies.
            let log = AuditLog(directory: dir, segmentBytes: 30_000_000)
            let appended = try log.append(.object([("kind", "check"), ("repo", .string("after round \(round)"))]))
            if appended.recovery != nil { recoveries += 1 }
            let records = try verifiedRecords(log)
            for (seq, repo) in promised {
                #expect(records[seq]?["repo"] == .string(repo), "acknowledged seq \(seq) lost")
            }
        }
        #expect(promised.count > 24, "the appenders should have acknowledged something")
        // How often a kill tore a frame varies from run to run; it is reported, not asserted.
        print("crash test: \(promised.count) acknowledged records, \(recoveries) recoveries in 24 rounds")
    }
}
