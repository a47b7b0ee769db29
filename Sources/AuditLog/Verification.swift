import Base
import Crypto
import JSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first thing wrong with a log, by the seq it concerns.
public struct LogProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case edited, missing, reordered, duplicated, truncated, torn
        case checkpointMismatch = "checkpoint mismatch"
    }

    public var reason: Reason
    public var seq: Int64
    /// Segment file and byte offset of the frame, when the problem sits at one.
    public var segment: String?
    public var offset: Int?
    public var detail: String

    public init(reason: Reason, seq: Int64, segment: String? = nil, offset: Int? = nil, detail: String) {
        self.reason = reason
        self.seq = seq
        self.segment = segment
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var text = "seq \(seq): \(reason.rawValue)"
        if let segment { text += " (\(segment)" + (offset.map { " offset \($0)" } ?? "") + ")" }
        return text + ": " + detail
    }
}

/// What `verify` found.
public struct VerificationReport: Sendable {
    /// Records read in order before the first problem (all of them when there is none).
    public var records: Int64 = 0
    public var segments = 0
    /// SHA-256 of the last good record's payload.
    public var lastHash = [UInt8](repeating: 0, count: 32)
    /// The Merkle tree over those records.
    public var frontier = MerkleFrontier()
    public var problem: LogProblem?
    /// Checkpoints whose size and root were compared with the log.
    public var checkpointsMatched = 0

    public var root: [UInt8] { frontier.root }
}

/// A consistent view of the segment files: the list and each file's size, taken under the
/// shared lock so no append is half-way through what is read.
struct LogSnapshot {
    var segments: [(number: Int, size: Int)] = []
}

extension AuditLog {
    /// `holdingLock`: the caller has the exclusive lock already (flock locks belong to open
    /// files, so taking the shared one again in this process would wait forever).
    func snapshot(holdingLock: Bool = false) throws(AuditLogError) -> LogSnapshot {
        let lock = holdingLock ? nil : LogLock(sharedIn: directory)
        defer { withExtendedLifetime(lock) {} }
        var snapshot = LogSnapshot()
        for number in try segments() {
            let file = try Descriptor.open(segmentPath(number), O_RDONLY)
            snapshot.segments.append((number, try file.size))
        }
        return snapshot
    }

    func read(_ segment: (number: Int, size: Int)) throws(AuditLogError) -> [UInt8] {
        let file = try Descriptor.open(segmentPath(segment.number), O_RDONLY)
        return try file.read(at: 0, count: segment.size)
    }

    /// Checks every frame, the seq sequence and the prev chain, and each checkpoint's tree size
    /// and root against the records; stops at the first problem. Read-only.
    public func verify(checkpoints: [Checkpoint] = []) throws(AuditLogError) -> VerificationReport {
        try verify(checkpoints: checkpoints, holdingLock: false)
    }

    func verify(checkpoints: [Checkpoint], holdingLock: Bool) throws(AuditLogError) -> VerificationReport {
        let snapshot = try snapshot(holdingLock: holdingLock)
        var report = VerificationReport(segments: snapshot.segments.count)
        var pending = checkpoints.sorted { $0.size < $1.size }
        let keep: [[UInt8]] = [Array("prev".utf8), Array("seq".utf8), Array("v".utf8)]
        var prevHex = Array(Hex.encode(report.lastHash).utf8)

        func checkpointsAt(_ size: Int64) -> LogProblem? {
            while let first = pending.first, first.size == size {
                pending.removeFirst()
                guard first.root == report.frontier.root else {
                    return LogProblem(reason: .checkpointMismatch, seq: size, detail:
                        "the checkpoint of \(size) records has root \(Base64.encode(first.root)) but records 1…\(size) of the log give \(Base64.encode(report.frontier.root)): some of them were rewritten")
                }
                report.checkpointsMatched += 1
            }
            return nil
        }

        if let problem = checkpointsAt(0) {
            report.problem = problem
            return report
        }
        segmentLoop: for (index, segment) in snapshot.segments.enumerated() {
            let name = Self.segmentName(segment.number)
            let bytes = try read(segment)
            let isLast = index == snapshot.segments.count - 1
            var found: LogProblem?
            var anomaly: (offset: Int, seq: Int64, hash: [UInt8])?
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let expected = report.records + 1
                    func problem(_ reason: LogProblem.Reason, _ seq: Int64, _ detail: String) {
                        found = LogProblem(reason: reason, seq: seq, segment: name, offset: offset, detail: detail)
                    }
                    switch Frame.scan(raw, at: offset) {
                    case .incomplete:
                        if isLast {
                            problem(.torn, expected, "the last frame is incomplete (\(raw.count - offset) bytes): a crash mid-append, or a cut; the next append moves it aside")
                        } else {
                            problem(.truncated, expected, "the segment ends inside a frame")
                        }
                        return
                    case let .damaged(why):
                        problem(.edited, expected, why)
                        return
                    case let .frame(range, end):
                        let payload = UnsafeRawBufferPointer(rebasing: raw[range])
                        let fields: [(key: [UInt8], value: JSONValue)]
                        do {
                            fields = try JSONParser.parseObject(payload, canonical: true, keep: keep)
                        } catch {
                            problem(.edited, expected, "the record is not canonical JSON: \(error)")
                            return
                        }
                        var prev: JSONValue?, seqValue: JSONValue?, version: JSONValue?
                        for field in fields {
                            switch field.key.first {
                            case UInt8(ascii: "p"): prev = field.value
                            case UInt8(ascii: "s"): seqValue = field.value
                            default: version = field.value
                            }
                        }
                        guard version == .int(1), case let .int(seq)? = seqValue, case let .string(prevText)? = prev else {
                            problem(.edited, expected, "the record lacks v = 1, an integer seq or a prev hash")
                            return
                        }
                        let hash = Array(SHA256.hash(data: payload))
                        if seq != expected {
                            anomaly = (offset, seq, hash)
                            return
                        }
                        guard prevText.utf8.elementsEqual(prevHex) else {
                            if expected == 1 {
                                problem(.edited, 1, "the first record's prev is not 64 zeros")
                            } else {
                                problem(.edited, expected - 1, "its hash no longer matches the prev of seq \(expected): it (or seq \(expected)) was changed")
                            }
                            return
                        }
                        report.records = expected
                        report.lastHash = hash
                        prevHex = Array(Hex.encode(hash).utf8)
                        report.frontier.append(leafHash: MerkleHash.leaf(payload))
                        if let mismatch = checkpointsAt(expected) {
                            found = mismatch
                            return
                        }
                        offset = end
                    }
                }
            }
            if let anomaly {
                found = try classify(seq: anomaly.seq, hash: anomaly.hash, expected: report.records + 1, snapshot: snapshot,
                                     segmentIndex: index, offset: anomaly.offset)
            }
            if let found {
                report.problem = found
                break segmentLoop
            }
        }
        if report.problem == nil, let beyond = pending.first {
            report.problem = LogProblem(reason: .truncated, seq: report.records + 1, detail:
                "a checkpoint covers \(beyond.size) records but the log has only \(report.records): records \(report.records + 1)…\(beyond.size) were removed")
        }
        return report
    }

    /// Names what an out-of-order seq means, looking elsewhere in the log: a copy of an earlier
    /// record, a record that comes later (reordered), or records that are nowhere (missing).
    func classify(seq: Int64, hash: [UInt8], expected: Int64, snapshot: LogSnapshot, segmentIndex: Int,
                  offset: Int) throws(AuditLogError) -> LogProblem {
        let segment = Self.segmentName(snapshot.segments[segmentIndex].number)
        func problem(_ reason: LogProblem.Reason, _ seq: Int64, _ detail: String) -> LogProblem {
            LogProblem(reason: reason, seq: seq, segment: segment, offset: offset, detail: detail)
        }
        if seq < expected {
            var original: [UInt8]?
            try forEachFrame(snapshot) { _, _, payload in
                guard let payload, let fields = try? JSONParser.parseObject(payload, canonical: true, keep: [Array("seq".utf8)]),
                      fields.first?.value == .int(seq) else { return true }
                original = Array(SHA256.hash(data: payload))
                return false
            }
            if original == hash {
                return problem(.duplicated, seq, "a second copy of seq \(seq) where seq \(expected) belongs")
            }
            return problem(.reordered, seq, "seq \(seq) found where seq \(expected) belongs")
        }
        var laterAt: (String, Int)?
        try forEachFrame(snapshot, from: (segmentIndex, offset)) { name, at, payload in
            guard let payload, let fields = try? JSONParser.parseObject(payload, canonical: true, keep: [Array("seq".utf8)]),
                  fields.first?.value == .int(expected) else { return true }
            laterAt = (name, at)
            return false
        }
        if let laterAt {
            return problem(.reordered, expected, "seq \(seq) comes before it; seq \(expected) is later, in \(laterAt.0) at offset \(laterAt.1)")
        }
        let range = seq - 1 > expected ? "records \(expected)…\(seq - 1) are" : "the record is"
        return problem(.missing, expected, "\(range) not in the log (the next one found is seq \(seq))")
    }

    /// Visits the frames of the snapshot from a position on, leniently: a damaged frame is
    /// reported with a nil payload and reading stops in that segment. `visit` returns false to stop.
    func forEachFrame(_ snapshot: LogSnapshot, from start: (segment: Int, offset: Int) = (0, 0),
                      _ visit: (String, Int, UnsafeRawBufferPointer?) throws(AuditLogError) -> Bool) throws(AuditLogError) {
        var index = start.segment
        var offset = start.offset
        while index < snapshot.segments.count {
            let segment = snapshot.segments[index]
            let name = Self.segmentName(segment.number)
            let bytes = try read(segment)
            let stop = try withBytes(bytes) { (raw: UnsafeRawBufferPointer) throws(AuditLogError) -> Bool in
                while offset < raw.count {
                    switch Frame.scan(raw, at: offset) {
                    case let .frame(range, end):
                        guard try visit(name, offset, UnsafeRawBufferPointer(rebasing: raw[range])) else { return true }
                        offset = end
                    case .incomplete, .damaged:
                        return try !visit(name, offset, nil)
                    }
                }
                return false
            }
            if stop { return }
            index += 1
            offset = 0
        }
    }

    /// One record as read for `show` and `analyze`.
    public struct Entry: Sendable {
        public var segment: String
        public var offset: Int
        /// The record, or nil when its frame is damaged or it is not JSON.
        public var record: JSONValue?
        public var seq: Int64? { if case let .int(s)? = record?["seq"] { s } else { nil } }
    }

    /// Every record in order, leniently (damaged frames as entries without a record), for
    /// reading rather than verifying. `visit` returns false to stop.
    public func forEachRecord(_ visit: (Entry) throws(AuditLogError) -> Bool) throws(AuditLogError) {
        try forEachFrame(try snapshot()) { (segment, offset, payload) throws(AuditLogError) -> Bool in
            let record = payload.flatMap { try? JSONParser.parse($0) }
            return try visit(Entry(segment: segment, offset: offset, record: record))
        }
    }
}
