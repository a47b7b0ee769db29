// The append-only, tamper-evident audit log of SPEC §1.4: framed canonical-JSON records in
// numbered segment files, a seq/prev hash chain, RFC 6962 Merkle roots and signed checkpoints.
// It takes record bodies as JSON and knows nothing of the gate that produced them; it never prints.
import Base
import Crypto
import JSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log directory: `NNNNNN.log` segments, a `lock` file, and with a signing key the latest
/// signed `checkpoint` (plus `frontier`, a cache of the Merkle tree's right edge).
public final class AuditLog: @unchecked Sendable {
    public let directory: String
    /// A segment grows past this size only by its first frame; the next append starts a new one.
    public let segmentBytes: Int
    /// Signs a checkpoint after every append when set.
    public let signer: NoteSigner?
    /// Written into recovery records (the tool and its version).
    public let tool: String

    public static let defaultSegmentBytes = 16 << 20

    public init(directory: String, segmentBytes: Int = AuditLog.defaultSegmentBytes, signer: NoteSigner? = nil,
                tool: String = "reviewgate") {
        var dir = directory
        while dir.count > 1, dir.hasSuffix("/") { dir.removeLast() }
        self.directory = dir
        self.segmentBytes = max(segmentBytes, 1)
        self.signer = signer
        self.tool = tool
    }

    /// What an append did.
    public struct Appended: Sendable {
        /// The seq of each record the call appended, in order (durable when returned).
        public var seqs: [Int64]
        /// Set when a torn tail was moved aside first (a `recovery` record precedes them).
        public var recovery: Recovery?
        /// Set when the records are durable but the signed checkpoint could not be written.
        public var checkpointFailure: String?
    }

    /// A damaged last frame moved aside before an append.
    public struct Recovery: Sendable, Equatable {
        public var segment: String
        public var offset: Int
        public var bytes: Int
        public var tornFile: String
        public var reason: String
        public var seq: Int64
    }

    /// Appends one record; `body` holds every field except `v`, `seq`, `prev` and `time`,
    /// which the log fills in. Returns only once the record is on disk (fdatasync).
    @discardableResult
    public func append(_ body: JSONValue, time: Int64? = nil) throws(AuditLogError) -> Appended {
        try append(contentsOf: [body], time: time)
    }

    /// Fails, naming the file, when this process could not append for want of permission: the
    /// directory (or the one it would be created in), its lock, the last segment and, with a
    /// signer, the checkpoint must be writable. Lets a hook refuse before it says anything else.
    public func checkWritable() throws(AuditLogError) {
        var existing = directory
        while !LogFiles.exists(existing) {
            let parent = LogFiles.parentOf(existing)
            if parent == existing { break }
            existing = parent
        }
        guard access(existing, W_OK | X_OK) == 0 else {
            throw .io(existing == directory ? "write to the directory" : "create the log directory in", existing)
        }
        guard existing == directory else { return }
        var files = ["lock"]
        if let last = try LogFiles.names(in: directory)?.filter({ $0.hasSuffix(".log") }).sorted().last { files.append(last) }
        if signer != nil { files.append("checkpoint") }
        for name in files where LogFiles.exists(path(name)) {
            guard access(path(name), R_OK | W_OK) == 0 else { throw .io("write", path(name)) }
        }
    }

    /// Appends records in order under one lock, one `write` per frame and one sync at the end.
    @discardableResult
    public func append(contentsOf bodies: [JSONValue], time: Int64? = nil) throws(AuditLogError) -> Appended {
        for body in bodies {
            guard case .object = body else { throw AuditLogError(.badRecord, "an audit record must be a JSON object") }
        }
        try LogFiles.makeDirectory(directory)
        let lock = try LogLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }

        var tail = try findTail()
        var recovery: Recovery?
        if let torn = tail.torn {
            recovery = try moveAside(torn)
            tail = try findTail()
            guard tail.torn == nil else { throw AuditLogError(.damaged, "the log \(directory) is still damaged after moving a torn frame aside") }
        }
        let before = tail
        var writer = try SegmentWriter(log: self, tail: tail)
        var seqs: [Int64] = []
        var leaves: [[UInt8]] = []
        if let torn = recovery {
            let body: JSONValue = .object([
                ("kind", "recovery"), ("reason", .string(torn.reason)), ("segment", .string(torn.segment)),
                ("offset", .int(Int64(torn.offset))), ("bytes", .int(Int64(torn.bytes))), ("torn_file", .string(torn.tornFile)),
                ("tool", .string(tool)),
            ])
            let leaf = try writer.write(body, time: time ?? WallClock.milliseconds())
            recovery?.seq = writer.lastSeq
            leaves.append(leaf)
        }
        for body in bodies {
            leaves.append(try writer.write(body, time: time ?? WallClock.milliseconds()))
            seqs.append(writer.lastSeq)
        }
        try writer.finish()

        var failure: String?
        if let signer {
            do throws(AuditLogError) {
                try writeCheckpoint(signer: signer, before: before, leaves: leaves, after: writer.tailNow)
            } catch {
                failure = error.message
            }
        }
        return Appended(seqs: seqs, recovery: recovery, checkpointFailure: failure)
    }

    /// Moves a torn tail aside (with a `recovery` record) without appending anything else; nil
    /// when the log was whole.
    public func recover() throws(AuditLogError) -> Recovery? {
        guard LogFiles.exists(directory) else { return nil }
        var probe = false
        do {
            let lock = try LogLock(directory: directory)
            probe = try findTail().torn != nil
            withExtendedLifetime(lock) {}
        }
        guard probe else { return nil }
        return try append(contentsOf: []).recovery
    }

    // MARK: Segments

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".log"
    }

    static func segmentNumber(_ name: String) -> Int? {
        guard name.hasSuffix(".log") else { return nil }
        let digits = name.dropLast(4)
        guard digits.count >= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// Segment numbers, ascending.
    func segments() throws(AuditLogError) -> [Int] {
        guard let names = try LogFiles.names(in: directory) else { return [] }
        return names.compactMap(Self.segmentNumber).sorted()
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func segmentPath(_ number: Int) -> String { path(Self.segmentName(number)) }

    // MARK: Tail

    /// Where the next record goes and what it chains to.
    struct Tail {
        var segment: Int?
        var segmentSize = 0
        var lastSeq: Int64 = 0
        var lastHash = [UInt8](repeating: 0, count: 32)
        var torn: Torn?
    }

    struct Torn {
        var segment: Int
        var offset: Int
        var bytes: [UInt8]
        var reason: String
    }

    /// The last record, found from the end of the last non-empty segment (O(1) when the file
    /// ends with a whole frame; a forward scan of that segment otherwise).
    func findTail() throws(AuditLogError) -> Tail {
        let numbers = try segments()
        var tail = Tail(segment: numbers.last)
        for number in numbers.reversed() {
            let file = try Descriptor.open(segmentPath(number), O_RDONLY)
            let size = try file.size
            if number == numbers.last { tail.segmentSize = size }
            if size == 0 { continue }
            var payload: [UInt8]?
            if size >= Frame.overhead + 1 {
                let trailer = try file.read(at: size - Frame.trailerSize, count: Frame.trailerSize)
                let length = trailer.withUnsafeBytes { Int(Frame.readUInt32($0, 0)) }
                if length > 0, length <= Frame.maximumPayload, length + Frame.overhead <= size {
                    let bytes = try file.read(at: size - length - Frame.overhead, count: length + Frame.overhead)
                    if let range = bytes.withUnsafeBytes({ Frame.last($0) }), range.lowerBound == Frame.headerSize {
                        payload = Array(bytes[range])
                    }
                }
            }
            guard let payload else {
                guard number == numbers.last else {
                    throw AuditLogError(.damaged, "segment \(Self.segmentName(number)) of \(directory) does not end with a whole frame; run reviewgate log verify")
                }
                tail.torn = try tornTail(of: file, segment: number)
                return tail
            }
            let seq = try Self.seq(of: payload, in: Self.segmentName(number))
            tail.lastSeq = seq
            tail.lastHash = Array(SHA256.hash(data: payload))
            return tail
        }
        return tail
    }

    static func seq(of payload: [UInt8], in segment: String) throws(AuditLogError) -> Int64 {
        let fields = try? payload.withUnsafeBytes { raw in try JSONParser.parseObject(raw, canonical: true, keep: [Array("seq".utf8)]) }
        guard let fields, let first = fields.first, case let .int(seq) = first.value, seq > 0 else {
            throw AuditLogError(.damaged, "the last record of \(segment) has no valid seq; run reviewgate log verify")
        }
        return seq
    }

    /// The damaged end of the last segment, when the damage is confined to its last frame (what
    /// a crash leaves). Damage with a whole frame after it is tampering, not a crash: refused.
    func tornTail(of file: Descriptor, segment: Int) throws(AuditLogError) -> Torn {
        let bytes = try file.readAll()
        return try withBytes(bytes) { (raw: UnsafeRawBufferPointer) throws(AuditLogError) -> Torn in
            var offset = 0
            var reason = "torn"
            scanning: while offset < raw.count {
                switch Frame.scan(raw, at: offset) {
                case let .frame(_, end): offset = end
                case .incomplete: break scanning
                case .damaged: reason = "damaged"; break scanning
                }
            }
            let name = Self.segmentName(segment)
            // A whole frame starts only at a 0x00 byte (the high byte of its length).
            var candidate = offset + 1
            while candidate + Frame.overhead < raw.count {
                if raw[candidate] == 0, case .frame = Frame.scan(raw, at: candidate) {
                    throw AuditLogError(.damaged, "\(name) of \(directory) is damaged at offset \(offset), with whole records after it: not a torn tail; run reviewgate log verify")
                }
                candidate += 1
            }
            guard raw.count - offset <= Frame.maximumPayload + Frame.overhead else {
                throw AuditLogError(.damaged, "\(name) of \(directory) is damaged at offset \(offset); run reviewgate log verify")
            }
            return Torn(segment: segment, offset: offset, bytes: Array(raw[offset...]), reason: reason)
        }
    }

    /// Copies the torn bytes to `<segment>.<offset>.torn` (never dropped), then cuts them off.
    func moveAside(_ torn: Torn) throws(AuditLogError) -> Recovery {
        let segment = Self.segmentName(torn.segment)
        var name = "\(segment).\(torn.offset).torn"
        var attempt = 1
        while LogFiles.exists(path(name)) {
            name = "\(segment).\(torn.offset).\(attempt).torn"
            attempt += 1
        }
        let (copy, _) = try Descriptor.openCreating(path(name), O_WRONLY)
        try copy.writeOnce(torn.bytes, restoring: 0)
        try copy.sync()
        try LogFiles.syncDirectory(directory)
        let file = try Descriptor.open(segmentPath(torn.segment), O_WRONLY)
        guard ftruncate(file.fd, off_t(torn.offset)) == 0 else { throw .io("truncate", file.path) }
        try file.sync()
        return Recovery(segment: segment, offset: torn.offset, bytes: torn.bytes.count, tornFile: name, reason: torn.reason, seq: 0)
    }

    // MARK: Records

    /// The canonical payload of a record: the body's fields with `v`, `seq`, `prev`, `time`.
    static func payload(_ body: JSONValue, seq: Int64, prev: [UInt8], time: Int64) throws(AuditLogError) -> [UInt8] {
        guard case let .object(pairs) = body else { throw AuditLogError(.badRecord, "an audit record must be a JSON object") }
        let reserved: Set<String> = ["v", "seq", "prev", "time"]
        let fields = pairs.filter { !reserved.contains($0.0) } + [
            ("v", .int(1)), ("seq", .int(seq)), ("prev", .string(Hex.encode(prev))), ("time", .string(RFC3339.utcMilliseconds(time))),
        ]
        var out: [UInt8] = []
        JSONValue.object(fields).write(into: &out, sortedKeys: true)
        guard out.count <= Frame.maximumPayload else {
            throw AuditLogError(.badRecord, "an audit record of \(out.count) bytes is larger than a frame (\(Frame.maximumPayload))")
        }
        return out
    }

    // MARK: Checkpoints

    /// The signed checkpoint last written, if any.
    public var checkpointPath: String { path("checkpoint") }
    var frontierPath: String { path("frontier") }

    func writeCheckpoint(signer: NoteSigner, before: Tail, leaves: [[UInt8]], after: Tail) throws(AuditLogError) {
        var frontier: MerkleFrontier
        if var cached = loadFrontier(matching: before) {
            for leaf in leaves { cached.append(leafHash: leaf) }
            frontier = cached
        } else {
            let report = try verify(checkpoints: [], holdingLock: true)
            if let problem = report.problem {
                throw AuditLogError(.damaged, "no checkpoint signed over a log that does not verify (seq \(problem.seq): \(problem.reason.rawValue))")
            }
            frontier = report.frontier
        }
        guard frontier.size == after.lastSeq else {
            throw AuditLogError(.damaged, "the Merkle tree has \(frontier.size) leaves but the log ends at seq \(after.lastSeq)")
        }
        try saveFrontier(frontier, lastHash: after.lastHash)
        try signCheckpoint(signer: signer, frontier: frontier)
    }

    func signCheckpoint(signer: NoteSigner, frontier: MerkleFrontier) throws(AuditLogError) {
        let body = Checkpoint(origin: signer.name, size: frontier.size, root: frontier.root)
        let note: String
        do { note = try signer.sign(body.text) } catch { throw AuditLogError(.io, "cannot sign the checkpoint: \(error)") }
        try LogFiles.replace(checkpointPath, with: Array(note.utf8), durable: true)
    }

    /// Signs a checkpoint over the whole log now (after verifying it), and stores it.
    public func checkpoint(signer: NoteSigner) throws(AuditLogError) -> String {
        try LogFiles.makeDirectory(directory)
        let lock = try LogLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        let report = try verify(checkpoints: [], holdingLock: true)
        if let problem = report.problem {
            throw AuditLogError(.damaged, "the log does not verify (seq \(problem.seq): \(problem.reason.rawValue)); no checkpoint signed")
        }
        try saveFrontier(report.frontier, lastHash: report.lastHash)
        try signCheckpoint(signer: signer, frontier: report.frontier)
        guard let note = try LogFiles.readFile(checkpointPath) else { throw AuditLogError(.io, "cannot read \(checkpointPath)") }
        return String(decoding: note, as: UTF8.self)
    }

    /// The stored signed checkpoint, if there is one.
    public func storedCheckpoint() throws(AuditLogError) -> String? {
        try LogFiles.readFile(checkpointPath).map { String(decoding: $0, as: UTF8.self) }
    }

    static let frontierMagic = "reviewgate-merkle-frontier 1"

    /// The cached frontier when it describes exactly the log up to `tail` (else the caller
    /// rebuilds it from the records: the cache is never trusted beyond that check).
    func loadFrontier(matching tail: Tail) -> MerkleFrontier? {
        guard let bytes = try? LogFiles.readFile(frontierPath) else { return nil }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count >= 3, lines[0] == Self.frontierMagic, let size = Int64(lines[1]), size == tail.lastSeq,
              lines[2] == Hex.encode(tail.lastHash) else { return nil }
        let hashes = lines.dropFirst(3).compactMap { Hex.decode($0) }
        guard hashes.count == lines.count - 3 else { return nil }
        return MerkleFrontier(size: size, hashes: hashes)
    }

    func saveFrontier(_ frontier: MerkleFrontier, lastHash: [UInt8]) throws(AuditLogError) {
        let text = ([Self.frontierMagic, String(frontier.size), Hex.encode(lastHash)] + frontier.hashes.map { Hex.encode($0) }).joined(separator: "\n") + "\n"
        try LogFiles.replace(frontierPath, with: Array(text.utf8), durable: false)
    }
}

/// Writes frames to the tail segment, starting a new segment when the current one is full.
struct SegmentWriter {
    let log: AuditLog
    var tail: AuditLog.Tail
    var file: Descriptor?
    var created = false
    var dirty = false

    init(log: AuditLog, tail: AuditLog.Tail) throws(AuditLogError) {
        self.log = log
        self.tail = tail
    }

    var lastSeq: Int64 { tail.lastSeq }
    var tailNow: AuditLog.Tail { tail }

    /// Writes one record; returns its RFC 6962 leaf hash.
    mutating func write(_ body: JSONValue, time: Int64) throws(AuditLogError) -> [UInt8] {
        let payload = try AuditLog.payload(body, seq: tail.lastSeq + 1, prev: tail.lastHash, time: time)
        let frame = Frame.encode(payload)
        if tail.segment == nil || (tail.segmentSize > 0 && tail.segmentSize + frame.count > log.segmentBytes) {
            try rotate()
        }
        if file == nil, let number = tail.segment {
            file = try Descriptor.open(log.segmentPath(number), O_WRONLY | O_APPEND)
        }
        guard let file else { throw AuditLogError(.io, "no segment to write in \(log.directory)") }
        try file.writeOnce(frame, restoring: tail.segmentSize)
        dirty = true
        tail.segmentSize += frame.count
        tail.lastSeq += 1
        tail.lastHash = Array(SHA256.hash(data: payload))
        return MerkleHash.leaf(payload)
    }

    /// Ends the current segment (synced) and creates the next one.
    mutating func rotate() throws(AuditLogError) {
        try finish()
        let number = (tail.segment ?? 0) + 1
        let (next, _) = try Descriptor.openCreating(log.segmentPath(number), O_WRONLY | O_APPEND)
        file = next
        created = true
        tail.segment = number
        tail.segmentSize = try next.size
    }

    /// Makes everything written durable: data, then the directory entry of a new segment.
    mutating func finish() throws(AuditLogError) {
        if let file, dirty { try file.syncData() }
        if created { try LogFiles.syncDirectory(log.directory) }
        dirty = false
        created = false
    }
}
