import Base
import Foundation
import JSON
import Testing
@testable import AuditLog
import ReviewGateTestSupport

/// A record body like the gate's, with a mark to tell records apart.
func body(_ i: Int, decision: String = "accept") -> JSONValue {
    .object([
        ("kind", "check"), ("repo", .string("/srv/repo-\(i).git")),
        ("actor", .object([("name", .string("user\(i % 3)")), ("source", "REVIEWGATE_USER"), ("person", .null)])),
        ("remote", .null), ("refs", .array([])), ("commits", .int(Int64(i))), ("decision", .string(decision)),
        ("findings", .array([])), ("override", .null), ("policy", .null), ("tool", "test"), ("duration_ms", 1),
    ])
}

func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
func put(_ path: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

/// Frame boundaries of a segment file: [0, end of frame 1, end of frame 2, …].
func boundaries(_ file: [UInt8]) -> [Int] {
    var out = [0]
    file.withUnsafeBytes { raw in
        while case let .frame(_, end) = Frame.scan(raw, at: out.last!) { out.append(end) }
    }
    return out
}

@Suite struct AppendAndVerifyTests {
    @Test func appendsChainAndVerifies() throws {
        let dir = try Scratch.directory("log")
        let log = AuditLog(directory: dir.path + "/audit/nested")
        for i in 1...5 {
            let appended = try log.append(body(i), time: 1_714_555_800_000 + Int64(i))
            #expect(appended.seqs == [Int64(i)])
        }
        let report = try log.verify()
        #expect(report.problem == nil && report.records == 5)
        // Records are canonical JSON with the chain fields; prev is the hash of the previous payload.
        let file = try bytes(log.directory + "/000001.log")
        let cuts = boundaries(file)
        #expect(cuts.count == 6 && cuts.last == file.count)
        var previous = String(repeating: "0", count: 64)
        for k in 0..<5 {
            let payload = Array(file[(cuts[k] + 8)..<(cuts[k + 1] - 4)])
            let value = try JSONParser.parse(payload, canonical: true)
            #expect(value.serialized(sortedKeys: true) == String(decoding: payload, as: UTF8.self))
            #expect(value["v"] == 1 && value["seq"] == .int(Int64(k + 1)) && value["prev"] == .string(previous))
            #expect(value["time"] == .string(RFC3339.utcMilliseconds(1_714_555_800_000 + Int64(k + 1))))
            #expect(value["repo"] == .string("/srv/repo-\(k + 1).git"))
            previous = Hex.encode(Array(SHA256Digest(payload)))
        }
        // Modes: 0640 files in a 0750 directory, whatever the umask.
        for (path, mode) in [(log.directory, 0o750), (log.directory + "/000001.log", 0o640), (log.directory + "/lock", 0o640)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
        }
    }

    @Test func bodyFieldsCannotOverrideTheChain() throws {
        let log = AuditLog(directory: try Scratch.directory("log").path)
        try log.append(.object([("kind", "check"), ("seq", 99), ("prev", "x"), ("v", 7), ("time", "then")]))
        let report = try log.verify()
        #expect(report.problem == nil && report.records == 1)
        #expect(throws: AuditLogError.self) { try log.append(.array([])) }
    }

    @Test func rotatesIntoSegmentsWithoutBreakingTheChain() throws {
        let log = AuditLog(directory: try Scratch.directory("log").path, segmentBytes: 1500)
        for i in 1...40 { try log.append(body(i)) }
        let segments = try log.segments()
        #expect(segments.count > 5 && segments == Array(1...segments.count))
        for number in segments.dropLast() {
            let file = try bytes(log.segmentPath(number))
            let frames = boundaries(file).count - 1
            #expect(file.count <= 1500 || frames == 1)
        }
        let report = try log.verify()
        #expect(report.problem == nil && report.records == 40 && report.segments == segments.count)
        // Deleting a middle segment leaves a gap; deleting the first leaves seq 1 missing.
        let middle = log.segmentPath(segments[2])
        let saved = try bytes(middle)
        try FileManager.default.removeItem(atPath: middle)
        #expect(try log.verify().problem?.reason == .missing)
        try put(middle, saved)
        try FileManager.default.removeItem(atPath: log.segmentPath(1))
        let problem = try #require(try log.verify().problem)
        #expect(problem.reason == .missing && problem.seq == 1)
    }

    @Test func checkpointsSignedAfterEachAppendAndCatchTruncation() throws {
        let dir = try Scratch.directory("log")
        let pair = try NoteKey.generate(name: "example.com/audit")
        let signer = try NoteSigner(parsing: pair.signer)
        let verifier = try NoteVerifier(parsing: pair.verifier)
        let log = AuditLog(directory: dir.path, segmentBytes: 2000, signer: signer)
        var notes: [String] = []
        for i in 1...12 {
            let appended = try log.append(body(i))
            #expect(appended.checkpointFailure == nil)
            notes.append(try #require(try log.storedCheckpoint()))
        }
        for (i, note) in notes.enumerated() {
            let checkpoint = try Checkpoint(parsing: verifier.verify(note: note))
            #expect(checkpoint.size == Int64(i + 1) && checkpoint.origin == "example.com/audit")
            let report = try log.verify(checkpoints: [checkpoint])
            #expect(report.problem == nil && report.checkpointsMatched == 1)
        }
        // A stale frontier cache is rebuilt from the records, giving the same roots.
        try FileManager.default.removeItem(atPath: log.frontierPath)
        try log.append(body(13))
        let after = try Checkpoint(parsing: verifier.verify(note: try #require(try log.storedCheckpoint())))
        let root = try log.verify().root
        #expect(after.size == 13 && after.root == root)
        // Dropping the last segment is invisible to the chain, not to a checkpoint.
        let last = try #require(try log.segments().last)
        try FileManager.default.removeItem(atPath: log.segmentPath(last))
        #expect(try log.verify().problem == nil)
        let problem = try #require(try log.verify(checkpoints: [after]).problem)
        #expect(problem.reason == .truncated)
    }

    @Test func aCleverEditOfTheLastRecordNeedsACheckpoint() throws {
        let log = AuditLog(directory: try Scratch.directory("log").path)
        for i in 1...4 { try log.append(body(i, decision: "reject")) }
        let before = try log.verify()
        let checkpoint = Checkpoint(origin: "x", size: before.records, root: before.root)
        // Rewrite the last record's decision and fix its checksum, as an attacker would.
        let path = log.segmentPath(1)
        var file = try bytes(path)
        let cuts = boundaries(file)
        let start = cuts[3]
        var payload = String(decoding: file[(start + 8)..<(cuts[4] - 4)], as: UTF8.self)
        payload = payload.replacingOccurrences(of: "\"reject\"", with: "\"accept\"")
        file.replaceSubrange(start..<cuts[4], with: Frame.encode(Array(payload.utf8)))
        try put(path, file)
        #expect(try log.verify().problem == nil)
        #expect(try log.verify(checkpoints: [checkpoint]).problem?.reason == .checkpointMismatch)
        // An edited record before the last breaks the chain at once.
        file = try bytes(path)
        let second = String(decoding: file[(cuts[1] + 8)..<(cuts[2] - 4)], as: UTF8.self)
            .replacingOccurrences(of: "\"reject\"", with: "\"accept\"")
        file.replaceSubrange(cuts[1]..<cuts[2], with: Frame.encode(Array(second.utf8)))
        try put(path, file)
        let problem = try #require(try log.verify().problem)
        #expect(problem.reason == .edited && problem.seq == 2)
    }
}

/// Every way of damaging a small log that the issue names is caught by `verify`.
@Suite struct MutationTests {
    static func smallLog() throws -> (AuditLog, [UInt8], Checkpoint) {
        let log = AuditLog(directory: try Scratch.directory("mutation").path)
        for i in 1...6 { try log.append(body(i, decision: i % 2 == 0 ? "reject" : "accept")) }
        let report = try log.verify()
        #expect(report.problem == nil)
        return (log, try bytes(log.segmentPath(1)), Checkpoint(origin: "test", size: report.records, root: report.root))
    }

    func detected(_ log: AuditLog, _ file: [UInt8], checkpoint: Checkpoint? = nil) throws -> LogProblem? {
        try put(log.segmentPath(1), file)
        return try log.verify(checkpoints: checkpoint.map { [$0] } ?? []).problem
    }

    @Test func untouchedLogVerifies() throws {
        let (log, file, checkpoint) = try Self.smallLog()
        #expect(try detected(log, file) == nil)
        #expect(try detected(log, file, checkpoint: checkpoint) == nil)
    }

    @Test(arguments: [UInt8(0x01), 0x80, 0xFF, 0x20])
    func everySingleByteFlip(mask: UInt8) throws {
        let (log, file, _) = try Self.smallLog()
        var missed: [Int] = []
        for offset in file.indices {
            var changed = file
            changed[offset] ^= mask
            if try detected(log, changed) == nil { missed.append(offset) }
        }
        #expect(missed.isEmpty, "flips not detected at offsets \(missed.prefix(10))")
    }

    @Test func everyTruncation() throws {
        let (log, file, checkpoint) = try Self.smallLog()
        let cuts = Set(boundaries(file))
        for length in 0..<file.count {
            let problem = try detected(log, Array(file[..<length]))
            if cuts.contains(length) {
                // A cut at a frame boundary leaves a shorter, valid log: only a checkpoint knows.
                #expect(problem == nil, "cut at \(length)")
                let withCheckpoint = try detected(log, Array(file[..<length]), checkpoint: checkpoint)
                #expect(withCheckpoint?.reason == .truncated, "cut at \(length)")
            } else {
                #expect(problem?.reason == .torn, "cut at \(length)")
            }
        }
    }

    @Test func everyDeletionSwapAndDuplication() throws {
        let (log, file, checkpoint) = try Self.smallLog()
        let cuts = boundaries(file)
        let frames = (0..<6).map { Array(file[cuts[$0]..<cuts[$0 + 1]]) }
        for k in 0..<6 {
            var rest = frames
            rest.remove(at: k)
            let problem = try detected(log, rest.flatMap { $0 }, checkpoint: k == 5 ? checkpoint : nil)
            #expect(problem?.reason == (k == 5 ? .truncated : .missing), "deleting record \(k + 1)")
            if k < 5 { #expect(problem?.seq == Int64(k + 1)) }
        }
        for a in 0..<6 {
            for b in (a + 1)..<6 {
                var swapped = frames
                swapped.swapAt(a, b)
                let problem = try detected(log, swapped.flatMap { $0 })
                #expect(problem?.reason == .reordered, "swapping \(a + 1) and \(b + 1): \(String(describing: problem))")
            }
        }
        for k in 0..<6 {
            for position in 0...6 {
                var copied = frames
                copied.insert(frames[k], at: position)
                let problem = try detected(log, copied.flatMap { $0 })
                #expect(problem != nil, "copy of \(k + 1) at \(position)")
                if position > k { #expect(problem?.reason == .duplicated, "copy of \(k + 1) at \(position)") }
            }
        }
    }
}

@Suite struct RecoveryTests {
    @Test func aTornTailIsMovedAsideAndRecorded() throws {
        let log = AuditLog(directory: try Scratch.directory("torn").path)
        for i in 1...3 { try log.append(body(i)) }
        let path = log.segmentPath(1)
        let whole = try bytes(path)
        // What a crash mid-write leaves: part of a fourth frame.
        let partial = Array(Frame.encode(Array(#"{"kind":"check","seq":4}"#.utf8)).prefix(17))
        try put(path, whole + partial)
        #expect(try log.verify().problem?.reason == .torn)
        let appended = try log.append(body(4))
        let recovery = try #require(appended.recovery)
        #expect(recovery.seq == 4 && appended.seqs == [5] && recovery.bytes == 17 && recovery.offset == whole.count)
        #expect(try bytes(log.directory + "/" + recovery.tornFile) == partial)
        #expect(try log.verify().problem == nil)
        var records: [JSONValue] = []
        try log.forEachRecord { records.append($0.record ?? .null); return true }
        #expect(records.count == 5 && records[3]["kind"] == "recovery" && records[3]["torn_file"] == .string(recovery.tornFile))
        #expect(try log.recover() == nil)
    }

    @Test func damageBeforeTheEndIsNotPaperedOver() throws {
        let log = AuditLog(directory: try Scratch.directory("torn").path)
        for i in 1...4 { try log.append(body(i)) }
        let path = log.segmentPath(1)
        var file = try bytes(path)
        let cuts = boundaries(file)
        file[cuts[1] + 20] ^= 0x01
        file += [0, 0, 1]
        try put(path, file)
        #expect(throws: AuditLogError.self) { try log.append(body(5)) }
        #expect(try bytes(path) == file, "nothing was moved")
    }

    @Test func aDamagedLastFrameIsMovedAsideToo() throws {
        // After a power loss a whole-length last frame may hold zeros: damaged, not just short.
        let log = AuditLog(directory: try Scratch.directory("torn").path)
        for i in 1...3 { try log.append(body(i)) }
        let path = log.segmentPath(1)
        var file = try bytes(path)
        let cuts = boundaries(file)
        for i in (cuts[2] + 30)..<(cuts[3] - 4) { file[i] = 0 }
        try put(path, file)
        let recovery = try #require(try log.recover())
        #expect(recovery.reason == "damaged" && recovery.offset == cuts[2])
        #expect(try log.verify().problem == nil)
    }
}

/// SHA-256 through the same library as the log (the Python tests check it independently).
import Crypto
func SHA256Digest(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
