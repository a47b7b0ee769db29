// Objects read front to back in pieces, never whole: a pack entry stored whole (not as a
// delta) or a loose object, inflated with zlib's streaming inflate into the caller's buffer.
// What a reader of a blob larger than it wants to hold uses (SPEC §1.3: a large blob is
// streamed). A delta needs its base whole and is not streamed here.
#if canImport(Glibc)
import Glibc
#endif
import CZlib

/// One object's bytes, inflated a piece at a time. Not for sharing across threads.
public final class ObjectStream {
    /// The object's size, as its header says.
    public private(set) var size: Int
    private let stream: UnsafeMutablePointer<z_stream>
    private var produced = 0
    private var finished = false
    private var failed = false
    private let source: Source

    private enum Source {
        /// A pack's mapping, from the entry's data; `at`: the next compressed byte to feed.
        case pack(PackFile, at: Int)
        /// A loose object's file, read into `buffer`.
        case file(Int32, buffer: UnsafeMutableRawBufferPointer)
    }
    private var packAt = 0
    private var releasedTo = 0

    /// Compressed bytes fed to zlib at a time.
    static let piece = 1 << 20

    private init?(size: Int, source: Source) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard inflateInit_(stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            if case let .file(fd, buffer) = source {
                close(fd)
                buffer.deallocate()
            }
            return nil
        }
        self.stream = stream
        self.size = size
        self.source = source
        if case let .pack(_, at) = source {
            packAt = at
            releasedTo = at
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        switch source {
        case let .file(fd, buffer):
            close(fd)
            buffer.deallocate()
        case let .pack(pack, _):
            pack.release(releasedTo..<packAt)
        }
    }

    /// A whole (non-delta) entry of `pack` at `dataOffset` holding `size` bytes.
    convenience init?(pack: PackFile, dataOffset: Int, size: Int) {
        self.init(size: size, source: .pack(pack, at: dataOffset))
    }

    /// The loose object `id` in `objectsDirectory` (with a trailing slash): nil when there is
    /// no such file; `type` and `size` from its header. A header that cannot be read is damage.
    public static func loose(_ id: ObjectID, in objectsDirectory: String) throws(PackStore.Damage) -> (ObjectType, ObjectStream)? {
        let hex = id.hex
        let path = objectsDirectory + String(hex.prefix(2)) + "/" + String(hex.dropFirst(2))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: piece, alignment: 16)
        guard let object = ObjectStream(size: 0, source: .file(fd, buffer: buffer)) else {
            throw PackStore.Damage(message: "cannot inflate loose object \(hex)")
        }
        // The header: "<type> <size>\0", at most a few dozen bytes.
        var header = [UInt8](repeating: 0, count: 64)
        let got = header.withUnsafeMutableBytes { object.inflateRaw(into: $0, stopAtNUL: true) }
        guard got > 0, header[got - 1] == 0,
              let space = header[..<got].firstIndex(of: 32),
              let size = Int(String(decoding: header[(space + 1)..<(got - 1)], as: UTF8.self)), size >= 0 else {
            throw PackStore.Damage(message: "loose object \(hex) has no readable header")
        }
        let type: ObjectType = switch String(decoding: header[..<space], as: UTF8.self) {
        case "blob": .blob
        case "commit": .commit
        case "tree": .tree
        case "tag": .tag
        default: .other
        }
        object.size = size
        return (type, object)
    }

    /// Reads up to `out.count` bytes of the object; 0 at its end; -1 when the data is damaged
    /// or longer or shorter than its size says.
    public func read(into out: UnsafeMutableRawBufferPointer) -> Int {
        guard !failed else { return -1 }
        guard !finished, out.count > 0 else { return finished && produced != size ? -1 : 0 }
        let want = UnsafeMutableRawBufferPointer(rebasing: out[..<min(out.count, size - produced + 1)])
        let n = inflateRaw(into: want, stopAtNUL: false)
        guard n >= 0 else { failed = true; return -1 }
        produced += n
        if produced > size || (finished && produced != size) {
            failed = true
            return -1
        }
        return n
    }

    /// Inflates into `out` until it is full, the stream ends, or (`stopAtNUL`) a NUL byte was
    /// produced (then exactly up to it: one byte at a time, for a loose object's header).
    private func inflateRaw(into out: UnsafeMutableRawBufferPointer, stopAtNUL: Bool) -> Int {
        var made = 0
        while made < out.count, !finished {
            if stream.pointee.avail_in == 0 {
                switch source {
                case let .pack(pack, _):
                    let rest = pack.bytes(from: packAt)
                    guard rest.count > 0 else { return -1 }
                    let n = min(rest.count, Self.piece)
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: rest.baseAddress!.assumingMemoryBound(to: Bytef.self))
                    stream.pointee.avail_in = UInt32(n)
                    // Pages already inflated are let go, a piece behind.
                    if packAt - releasedTo >= 4 * Self.piece {
                        pack.release(releasedTo..<packAt)
                        releasedTo = packAt
                    }
                    packAt += n
                case let .file(fd, buffer):
                    var n = 0
                    repeat { n = Glibc.read(fd, buffer.baseAddress, buffer.count) } while n < 0 && errno == EINTR
                    guard n > 0 else { return -1 }
                    stream.pointee.next_in = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = UInt32(n)
                }
            }
            let room = stopAtNUL ? 1 : out.count - made
            stream.pointee.next_out = (out.baseAddress! + made).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(room)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let got = room - Int(stream.pointee.avail_out)
            made += got
            if status == Z_STREAM_END {
                finished = true
            } else if status != Z_OK && !(status == Z_BUF_ERROR && got == 0 && stream.pointee.avail_in == 0) {
                return -1
            }
            if stopAtNUL, got == 1, out[made - 1] == 0 { break }
        }
        return made
    }
}

extension PackStore {
    /// How a packed object can be read in pieces.
    public enum Streamed {
        /// Stored whole: inflated front to back.
        case whole(ObjectType, ObjectStream)
        /// Stored as a delta of `size` bytes: rebuilding it needs its base whole.
        case delta(size: Int)
    }

    /// `id` as a stream when a pack here holds it; nil when none does.
    public func stream(_ id: ObjectID) throws(Damage) -> Streamed? {
        for pack in packs {
            guard let offset = pack.index.offset(of: id) else { continue }
            guard let entry = pack.entry(at: Int(offset)), pack.plausible(entry), entry.size <= Self.maximumObject else {
                throw Damage(message: "unreadable entry at \(offset)")
            }
            guard case let .whole(type) = entry.kind else {
                guard let (_, size) = try header(id) else { return nil }
                return .delta(size: size)
            }
            guard let stream = ObjectStream(pack: pack, dataOffset: entry.dataOffset, size: entry.size) else {
                throw Damage(message: "cannot inflate the entry at \(offset)")
            }
            return .whole(type, stream)
        }
        return nil
    }
}
