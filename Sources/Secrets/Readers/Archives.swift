#if canImport(Glibc)
import Glibc
#endif
import CLibArchive
import CLibDeflate
import CZlib

/// Archives and compressed streams opened with libarchive (SPEC §1.3): zip and its kin, tar,
/// gzip, bzip2, xz, lzma, zstd and lz4 streams, 7-Zip and RAR, told by their magic bytes, never by a file name. Members are handed out
/// one at a time, each read whole up to the member limit; the expansion budget is shared by
/// every level of nesting, so a bomb stops at the budget, not at the end of memory.
public enum Archives {
    /// Whether `bytes` start like an archive or compressed stream this reader opens.
    public static func isArchive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        func at(_ offset: Int, _ magic: [UInt8]) -> Bool {
            guard offset + magic.count <= n else { return false }
            for (i, m) in magic.enumerated() where bytes[offset + i] != m { return false }
            return true
        }
        return at(0, [0x50, 0x4B, 0x03, 0x04]) // zip local file header (jar, war, docx, xlsx, apk)
            || at(0, [0x50, 0x4B, 0x05, 0x06]) // empty zip
            || at(0, [0x1F, 0x8B, 0x08]) // gzip, deflate
            || (at(0, [0x42, 0x5A, 0x68]) && n > 4 && (0x31...0x39).contains(bytes[3])
                && at(4, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59])) // bzip2 block magic (pi)
            || at(0, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) // xz
            || at(257, Array("ustar".utf8)) // POSIX and GNU tar
            || at(0, [0x28, 0xB5, 0x2F, 0xFD]) // zstd
            || at(0, [0x04, 0x22, 0x4D, 0x18]) // lz4 frame
            || at(0, [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) // 7-Zip
            || at(0, [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07]) // RAR 4 and 5
            || isLzmaAlone(bytes)
    }

    /// What an encoded value may hold to be opened rather than read as text: an archive or
    /// compressed stream (`isArchive`), or a zlib stream (Python's `zlib.compress`, PHP's
    /// `gzcompress`, a .NET or Java `Deflater`'s output, as `exec(zlib.decompress(b64decode(…)))`
    /// runs it).
    public static func isEncodedPayload(_ bytes: UnsafeRawBufferPointer) -> Bool {
        isArchive(bytes) || ZlibStreams.hasHeader(bytes)
    }

    /// The legacy `.lzma` header (lzma_alone): the default properties byte, a dictionary size
    /// of 2^n or 3·2^(n-1) from 4 KiB to 1.5 GiB, then the size (all ones when unknown, else
    /// below 2^40). No magic of its own, so all three are checked.
    static func isLzmaAlone(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 13, bytes[0] == 0x5D else { return false }
        let dictionary = UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 24
        let shapes = (12...30).contains { n in dictionary == 1 << n || dictionary == 3 << (n - 1) }
        let size = (5..<13).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1 - 5)) }
        return shapes && (size == UInt64.max || size < 1 << 40)
    }

    /// Whether a zip's end-of-central-directory record stands where one must (in the last
    /// 64 KiB + 22 bytes, its comment length reaching exactly to the end) in bytes that do not
    /// start as an archive (the caller asks only of those): a zip after something else, which
    /// zip readers open by its end.
    public static func hasTrailingZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard n >= 22 + 30, let base = bytes.baseAddress else { return false }
        // Every blob is asked: memchr, not a byte loop over the tail (which cost a tenth of an
        // audit), to the signature's third byte, 5, which text hardly ever holds (a `P` is
        // every few bytes of most text; memmem is slower than memchr over the same bytes).
        var at = max(0, n - 22 - 65535) + 2
        while at <= n - 20, let hit = memchr(base + at, 0x05, n - 20 + 1 - at) {
            let third = base.distance(to: UnsafeRawPointer(hit))
            let found = third - 2
            if bytes[found] == 0x50, bytes[found + 1] == 0x4B, bytes[third + 1] == 0x06 {
                let comment = Int(bytes[found + 20]) | Int(bytes[found + 21]) << 8
                if found + 22 + comment == n { return true }
            }
            at = third + 1
        }
        return false
    }

    /// Where compressed streams start inside other bytes (a self-extracting installer's
    /// payload after its script, a gzip appended to a file or an image): gzip (deflate, no
    /// reserved flags), bzip2, xz and zstd magic bytes after offset 0 (with `zipLocalHeaders`,
    /// a zip's local headers too: a zip whose directory cannot be read, which a streaming
    /// reader still reads), at most `limit` of them. Each is opened from there like an archive.
    static func embeddedStreams(_ bytes: UnsafeRawBufferPointer, limit: Int, zipLocalHeaders: Bool = false) -> [Int] {
        guard let base = bytes.baseAddress, bytes.count > 16 else { return [] }
        var found: [Int] = []
        var magics: [[UInt8]] = [[0x1F, 0x8B, 0x08], [0x42, 0x5A, 0x68], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x28, 0xB5, 0x2F, 0xFD]]
        if zipLocalHeaders { magics.append([0x50, 0x4B, 0x03, 0x04]) }
        for magic in magics {
            var at = 1
            while at < bytes.count, found.count < limit {
                guard let hit = memchr(base + at, Int32(magic[0]), bytes.count - at) else { break }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                at = offset + 1
                guard offset + magic.count <= bytes.count, memcmp(hit, magic, magic.count) == 0 else { continue }
                let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                // The gzip header's reserved flag bits are zero; bzip2 needs its block magic
                // (`isArchive` checks both, and the others by their whole magic).
                if magic[0] == 0x1F, rest.count < 4 || rest[3] & 0xE0 != 0 { continue }
                if isArchive(rest) { found.append(offset) }
            }
        }
        return found.sorted()
    }

    /// Whether `bytes` may hold a compressed stream after other bytes: binary content, or
    /// text with a zero byte somewhere (every such stream of some size has them).
    static func mayHoldStreams(_ bytes: UnsafeRawBufferPointer, binary: Bool) -> Bool {
        // Not binary: the first bytes `isBinary` looked at hold no zero byte.
        let known = min(bytes.count, PrintableRuns.binaryPrefix)
        return binary || (bytes.count > 16 && bytes.count > known && memchr(bytes.baseAddress! + known, 0, bytes.count - known) != nil)
    }

    /// Where an archive keeps text besides its members' content, read as binary content is:
    /// a zip's central directory and end record (names, extra fields, member comments, the
    /// archive's comment), a whole uncompressed tar (headers, pax records, link targets; its
    /// members are read again there, and what they hold is not reported twice), a gzip's
    /// header text (`gzipHeaderText`). Nil for other archives (a compressed tar's headers are
    /// inside its stream).
    static func metadataRange(_ bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        let n = bytes.count
        if n > 262, bytes[257] == 0x75, bytes[258] == 0x73, bytes[259] == 0x74, bytes[260] == 0x61, bytes[261] == 0x72 { return 0..<n }
        if let header = gzipHeaderText(bytes) { return header }
        guard n >= 22, bytes[0] == 0x50, bytes[1] == 0x4B, let end = zipEndRecord(bytes) else { return nil }
        let directory = Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8 | Int(bytes[end + 18]) << 16 | Int(bytes[end + 19]) << 24
        return directory < end ? directory..<n : end..<n
    }

    /// A gzip's header fields that hold text (RFC 1952: the extra field, the original file
    /// name, the comment), which no member shows: from the fixed header's end to the last of
    /// them. Nil for a gzip without them, or cut short inside them.
    static func gzipHeaderText(_ bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        let n = bytes.count
        guard n >= 10, bytes[0] == 0x1F, bytes[1] == 0x8B, bytes[2] == 0x08 else { return nil }
        let flags = bytes[3]
        guard flags & 0x1C != 0, flags & 0xE0 == 0 else { return nil }
        var at = 10
        if flags & 0x04 != 0 {
            guard at + 2 <= n else { return nil }
            at += 2 + (Int(bytes[at]) | Int(bytes[at + 1]) << 8)
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {
            while at < n, bytes[at] != 0 { at += 1 }
            at += 1
        }
        return at <= n ? 10..<at : nil
    }

    /// Where a zip's end record stands: the last "PK\5\6" in the last 64 KiB + 22 bytes.
    static func zipEndRecord(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 22 else { return nil }
        var at = bytes.count - 22
        let floor = max(0, bytes.count - 22 - 65535)
        while at >= floor {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 0x05, bytes[at + 3] == 0x06 { return at }
            at -= 1
        }
        return nil
    }

    /// Whether a zip holds more local headers ("PK\3\4") than its end record counts entries:
    /// an entry its central directory hides, which a streaming reader still finds. (Compressed
    /// data holding the four bytes by chance costs one more read, nothing else.)
    static func hasUnlistedLocalEntries(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 22, bytes[0] == 0x50, bytes[1] == 0x4B, let end = zipEndRecord(bytes), let base = bytes.baseAddress else { return false }
        let listed = Int(bytes[end + 10]) | Int(bytes[end + 11]) << 8
        var local = 0, at = 0
        while at + 4 <= bytes.count, let hit = memchr(base + at, 0x50, bytes.count - at) {
            let i = base.distance(to: UnsafeRawPointer(hit))
            if i + 4 <= bytes.count, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x03, bytes[i + 3] == 0x04 { local += 1 }
            at = i + 1
        }
        return local > listed && listed != 0xFFFF
    }

    /// A name for what an archive's first bytes say it is (for a decoded value's `encoding`).
    static func formatName(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count >= 4 else { return "archive" }
        switch (bytes[0], bytes[1]) {
        case (0x50, 0x4B): return "zip"
        case (0x1F, 0x8B): return "gzip"
        case (0x42, 0x5A): return "bzip2"
        case (0xFD, 0x37): return "xz"
        case (0x28, 0xB5): return "zstd"
        case (0x78, _): return "zlib"
        default: return "archive"
        }
    }

    /// Why an archive (or a member of one) could not be read in full.
    public enum Problem: String, Sendable {
        case limit = "archive-limit", depth = "archive-depth", corrupt, tooLarge = "too-large"
        /// Encoded text past the decoding budget (SPEC §1.3): what it held was not decoded.
        case decodeLimit = "decode-limit"
    }

    /// The budget one blob's archives share, however deeply they nest.
    struct Budget {
        var expanded = 0
        var members = 0
        let limits: ReadLimits
        let compressed: Int

        var exceeded: Bool {
            expanded > limits.maxExpandedBytes || members > limits.maxMembers
                || (expanded > limits.ratioFloorBytes && expanded / max(1, compressed) > limits.maxExpansionRatio)
        }
    }

    /// Calls `member(name, bytes)` for each regular file in the archive `bytes`, and
    /// `problem(name, problem)` for each member that cannot be read in full (an empty name is
    /// the archive itself). Stops at the first archive-wide problem.
    /// How the archive was found: at the start of the bytes, by a zip's end record after
    /// other bytes, or by a stream's magic bytes after other bytes (`embeddedStreams`).
    enum Found {
        case atStart, trailingZip, embedded
        /// A zip read again by its local headers, in order, as a streaming reader (Java's
        /// `ZipInputStream`) reads it: entries its central directory does not list.
        case zipLocalHeaders
    }

    static func forEachMember(_ bytes: UnsafeRawBufferPointer, found: Found = .atStart, budget: inout Budget,
                              member: (_ name: [UInt8], _ bytes: UnsafeRawBufferPointer, _ budget: inout Budget) -> Void,
                              problem: (_ name: [UInt8], Problem) -> Void) {
        guard let base = bytes.baseAddress, let archive = archive_read_new() else { return problem([], .corrupt) }
        defer { archive_read_free(archive) }
        // Found inside other bytes, an archive that does not open (a record or magic bytes
        // that were no archive after all) is nothing to report: the bytes were scanned. A
        // stream found by magic bytes alone is no stream either when its first header fails
        // (a zip's end record is more than magic: past it, a failure is damage).
        let quiet = found != .atStart
        let quietHeader = found == .embedded || found == .zipLocalHeaders
        if found == .trailingZip {
            archive_read_support_format_zip_seekable(archive)
        } else if found == .zipLocalHeaders {
            archive_read_support_format_zip_streamable(archive)
        } else {
            supportFormats(archive)
        }
        // Only where the central directory gives each member's size: a streaming reader ends
        // a member of unknown size at the first marker whose checksum matches, and at any
        // marker with the check off, skipping what follows it unread.
        if found == .atStart || found == .trailingZip { ignoreChecksums(archive) }
        guard archive_read_open_memory(archive, base, bytes.count) == ARCHIVE_OK else { return quiet ? () : problem([], .corrupt) }
        var entry: OpaquePointer?
        var buffer: [UInt8] = []
        var opened = false, count = 0
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF {
                return afterEnd(archive, bytes, budget: &budget, member: member, problem: problem)
            }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                return quietHeader && !opened ? () : problem([], .corrupt)
            }
            opened = true
            count += 1
            budget.members += 1
            if budget.exceeded { return problem([], .limit) }
            let name = Self.name(of: entry)
            // A link's target is text the archive holds: read as the link's content (as git
            // stores a symbolic link's target as its blob).
            if let target = archive_entry_symlink(entry) ?? archive_entry_hardlink(entry) {
                let text = Self.bytes(of: target)
                if !text.isEmpty { member(name, UnsafeRawBufferPointer(text), &budget) }
            }
            guard archive_entry_filetype(entry) == 0o100000 else { continue } // a regular file
            if archive_entry_size_is_set(entry) != 0, Int(archive_entry_size(entry)) > budget.limits.maxFileBytes {
                problem(name, .tooLarge)
                continue
            }
            buffer.removeAll(keepingCapacity: true)
            var failed: Problem?
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                if n == 0 { break }
                if n < 0 {
                    failed = .corrupt
                    break
                }
                budget.expanded += n
                if budget.exceeded { return problem([], .limit) }
                if buffer.count + n > budget.limits.maxFileBytes {
                    failed = .tooLarge
                    break
                }
                buffer.append(contentsOf: chunk[0..<n])
            }
            if let failed {
                // What came out before a stream broke off is read all the same (a truncated
                // stream keeps what it held); a magic-bytes find that gave nothing is no stream.
                if failed == .corrupt, !buffer.isEmpty { buffer.withUnsafeBytes { member(name, $0, &budget) } }
                if failed == .corrupt, quietHeader, buffer.isEmpty, count == 1 { return }
                problem(name, failed)
                // A member that cannot be decoded leaves the stream where no next header can
                // be trusted.
                if failed == .corrupt { return }
                continue
            }
            buffer.withUnsafeBytes { member(name, $0, &budget) }
        }
    }

    /// Name of what follows a tar's end-of-archive marker, when it is not zero padding.
    static let afterEndName = Array("(after end of archive)".utf8)

    /// A tar ends at its first zero block, and libarchive stops there; tar itself (`-i`) and
    /// other readers go on. What follows, when it is not zero padding (a member hidden after
    /// the marker, text behind a zero block in a gzip stream), is scanned as one more member;
    /// past the limits it is a problem, like any member.
    private static func afterEnd(_ archive: OpaquePointer, _ bytes: UnsafeRawBufferPointer, budget: inout Budget,
                                 member: (_ name: [UInt8], _ bytes: UnsafeRawBufferPointer, _ budget: inout Budget) -> Void,
                                 problem: (_ name: [UInt8], Problem) -> Void) {
        guard archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_TAR else { return }
        let consumed = Int(archive_filter_bytes(archive, 0))
        var rest: [UInt8] = []
        if archive_filter_count(archive) <= 1 {
            guard consumed < bytes.count, bytes[consumed...].contains(where: { $0 != 0 }) else { return }
            rest = Array(bytes[consumed...])
        } else {
            // Compressed: the stream again, decompressed as one piece, from where the tar ended.
            guard let raw = archive_read_new() else { return problem([], .corrupt) }
            defer { archive_read_free(raw) }
            archive_read_support_filter_all(raw)
            archive_read_support_format_raw(raw)
            var entry: OpaquePointer?
            guard archive_read_open_memory(raw, bytes.baseAddress, bytes.count) == ARCHIVE_OK,
                  archive_read_next_header(raw, &entry) == ARCHIVE_OK else { return problem([], .corrupt) }
            var skipped = 0
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { archive_read_data(raw, $0.baseAddress, $0.count) }
                if n == 0 { break }
                if n < 0 { return problem(afterEndName, .corrupt) }
                // What the tar itself took was counted when its members were read.
                let skip = min(n, max(0, consumed - skipped))
                skipped += skip
                guard n > skip else { continue }
                budget.expanded += n - skip
                if budget.exceeded { return problem([], .limit) }
                if rest.count + n - skip > budget.limits.maxFileBytes { return problem(afterEndName, .tooLarge) }
                rest.append(contentsOf: chunk[skip..<n])
            }
        }
        guard rest.contains(where: { $0 != 0 }) else { return }
        budget.members += 1
        if budget.exceeded { return problem([], .limit) }
        rest.withUnsafeBytes { member(afterEndName, $0, &budget) }
    }

    /// The formats and filters this reader opens.
    static func supportFormats(_ archive: OpaquePointer) {
        archive_read_support_filter_gzip(archive)
        archive_read_support_filter_bzip2(archive)
        archive_read_support_filter_xz(archive)
        archive_read_support_filter_zstd(archive)
        archive_read_support_filter_lz4(archive)
        archive_read_support_filter_lzma(archive)
        archive_read_support_format_zip(archive)
        archive_read_support_format_7zip(archive)
        archive_read_support_format_rar(archive)
        archive_read_support_format_rar5(archive)
        archive_read_support_format_tar(archive)
        archive_read_support_format_gnutar(archive)
        // A compressed stream that holds no archive: its one member, named "data".
        archive_read_support_format_raw(archive)
    }

    /// A zip member whose CRC-32 does not match its content (a streamed zip whose directory
    /// says 0, as some writers leave it) is read all the same: the bytes inflated in full are
    /// what any reader that does not check gets, and they are scanned. libarchive otherwise
    /// gives none of them, only an error (`corrupt`). Set after the formats are registered,
    /// and only for bytes in memory, read by their central directory (see `forEachMember`).
    static func ignoreChecksums(_ archive: OpaquePointer) {
        _ = archive_read_set_options(archive, "zip:ignorecrc32")
    }

    /// A member's path as stored, or "data" for the one member of a bare compressed stream.
    static func name(of entry: OpaquePointer) -> [UInt8] {
        archive_entry_pathname(entry).map { Array(Self.bytes(of: $0)) } ?? Array("data".utf8)
    }

    private static func bytes(of cString: UnsafePointer<CChar>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self), count: strlen(cString))
    }
}

/// The limits of reading one blob (SPEC §1.3): past them, a `skipped` finding.
public struct ReadLimits: Sendable {
    /// A blob, or an archive member, larger than this is not scanned.
    public var maxFileBytes: Int
    /// Archives inside archives: the outermost is depth 1.
    public var maxArchiveDepth = 3
    /// Bytes all archive members of one blob may expand to, at every depth together.
    public var maxExpandedBytes = 256 << 20
    /// Expanded bytes per stored byte past which an archive is a bomb, once it has expanded
    /// past the floor: as much as a file read whole (`streamAbove`), so a clean archive of
    /// repetitive content (a log, a CSV, a zero-padded image) is read like that file would
    /// be, and a bomb costs no more than such a file before it is refused.
    public var maxExpansionRatio = 250
    public var ratioFloorBytes = 8 << 20
    /// Members of one blob's archives, at every depth together.
    public var maxMembers = 10_000
    /// A blob (or archive member) larger than this is read in windows (`Scanner.read(from:)`),
    /// never whole: memory stays flat however large `maxFileBytes` is.
    public var streamAbove = 8 << 20
    /// New text each window brings, and how much of the previous window's end it repeats on
    /// each side of their seam (`windowOverlap`, twice): a match up to that long, with that much text
    /// before it, lies whole in the window that reports it.
    public var window = 4 << 20
    public var windowOverlap = 64 << 10
    /// A packed delta (its base needed whole) is rebuilt in memory up to this size; a larger
    /// one is `unscannable`.
    public var maxRebuiltBytes = 64 << 20

    public init(maxFileBytes: Int) {
        self.maxFileBytes = maxFileBytes
    }
}

/// zlib streams (RFC 1950): a file that is one (`pigz -z`, `openssl zlib`, a git loose object)
/// and a PNG's compressed text chunks (`zTXt`, compressed `iTXt`), inflated by libdeflate.
enum ZlibStreams {
    /// Whether `b` starts with a zlib header: deflate, a window of 32 KiB or less, no preset
    /// dictionary, and the header's check bits right (text rarely passes all four, and what
    /// passes by chance fails to inflate and is read as it is).
    static func hasHeader(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 8 else { return false }
        let cmf = b[0], flg = b[1]
        return cmf & 0x0F == 8 && cmf >> 4 <= 7 && flg & 0x20 == 0 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
    }

    enum Inflated {
        /// The stream's content, and how many bytes of the input the stream took.
        case bytes([UInt8], consumed: Int)
        /// A stream cut short: every byte of the input read without an error, the stream not
        /// ended (its checksum, or more, missing). What it held up to there.
        case truncated([UInt8])
        /// A whole stream that holds more than the limit.
        case tooLarge
        /// No zlib stream: damaged, or never one.
        case invalid
    }

    /// The stream at the start of `b` (bytes may follow it), at most `limit` bytes of it.
    static func inflate(_ b: UnsafeRawBufferPointer, limit: Int) -> Inflated {
        guard hasHeader(b), limit > 0, let decompressor = libdeflate_alloc_decompressor() else { return .invalid }
        defer { libdeflate_free_decompressor(decompressor) }
        var capacity = min(limit, max(4096, b.count * 4))
        while true {
            var produced = 0, consumed = 0
            let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let result = libdeflate_zlib_decompress_ex(decompressor, b.baseAddress, b.count, buffer.baseAddress, capacity, &consumed, &produced)
                count = result == LIBDEFLATE_SUCCESS ? produced : 0
                if result == LIBDEFLATE_INSUFFICIENT_SPACE { consumed = -1 }
                if result != LIBDEFLATE_SUCCESS, result != LIBDEFLATE_INSUFFICIENT_SPACE { consumed = -2 }
            }
            switch consumed {
            case -1:
                // Decoded again from the start with room enough (libdeflate inflates in one
                // call): at most twice the work of the final size.
                if capacity >= limit { return .tooLarge }
                capacity = min(limit, capacity * 4)
            case -2:
                return truncated(b, limit: limit)
            default:
                return .bytes(out, consumed: consumed)
            }
        }
    }

    /// What libdeflate (whole streams only) refused, read by zlib as far as it goes: the
    /// content of a stream that runs to the end of `b` with no error but does not end there
    /// (its checksum cut off, or its last blocks), else `invalid` — bytes that merely start
    /// like a zlib header fail on a bad block well before their end.
    static func truncated(_ b: UnsafeRawBufferPointer, limit: Int) -> Inflated {
        guard let input = b.baseAddress, b.count < Int(UInt32.max) else { return .invalid }
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return .invalid }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(b.count)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            out.append(contentsOf: chunk[..<(chunk.count - Int(stream.avail_out))])
            if out.count > limit { return .tooLarge }
            switch status {
            case Z_OK where stream.avail_in > 0 || stream.avail_out == 0:
                continue
            case Z_OK, Z_BUF_ERROR:
                // Every input byte taken, the stream not ended: cut short.
                return stream.avail_in == 0 && !out.isEmpty ? .truncated(out) : .invalid
            default:
                // The end (libdeflate refused it: a wrong checksum) or bad data.
                return .invalid
            }
        }
    }

    /// A PDF's zlib-compressed (FlateDecode) streams that may hold text: page contents (where
    /// a simple generator writes `(…) Tj`), object streams (form fields' values), embedded
    /// files, metadata; not images or font programs, which hold none and are most of a PDF's
    /// bytes. Each range starts at the stream's data (after `stream` and its line end) and
    /// runs to its `endstream` (the end of the bytes when none follows). At most `limit`.
    static func pdfStreams(_ b: UnsafeRawBufferPointer, limit: Int) -> [Range<Int>] {
        guard b.count > 16 else { return [] }
        /// Where `word` first stands in `range` of the bytes.
        func find(_ word: String, in range: Range<Int>) -> Int? {
            Decoders.firstIndex(of: Array(word.utf8), in: UnsafeRawBufferPointer(rebasing: b[range]), from: 0).map { range.lowerBound + $0 }
        }
        // `%PDF-` within the first KiB, as readers accept it.
        guard find("%PDF-", in: 0..<min(b.count, 1024)) != nil else { return [] }
        var found: [Range<Int>] = []
        var at = 0
        while found.count < limit, let keyword = find("stream", in: at..<b.count) {
            at = keyword + 6
            // Not `endstream`; the keyword then a line end (CRLF or LF).
            guard keyword < 3 || !(b[keyword - 3] == 0x65 && b[keyword - 2] == 0x6E && b[keyword - 1] == 0x64) else { continue }
            var data = keyword + 6
            if data < b.count, b[data] == 0x0D { data += 1 }
            guard data < b.count, b[data] == 0x0A else { continue }
            data += 1
            guard hasHeader(UnsafeRawBufferPointer(rebasing: b[data...])) else { continue }
            // The stream's dictionary: from its object's last ` obj` before it (within 2 KiB).
            var from = max(0, keyword - 2048)
            while let o = find(" obj", in: from..<keyword) { from = o + 4 }
            let dictionary = from..<keyword
            if ["/Image", "/Length1", "Type1C", "/OpenType"].contains(where: { find($0, in: dictionary) != nil }) { continue }
            // To its `endstream` (a stream is inflated into room for about four times its own
            // size: not the rest of the file's); to the end of the bytes when there is none.
            let end = find("endstream", in: data..<b.count) ?? b.count
            found.append(data..<end)
            at = max(at, end)
        }
        return found
    }

    /// The text a PDF content stream shows, as a reader would copy it: the strings of each
    /// text-showing operator (`(…) Tj`, `[(…) -20 (…)] TJ`, `'`, `"`) with the escapes undone and
    /// the pieces of one `TJ` array (split for kerning) joined, a line per operator; `<…>` hex
    /// strings decoded. Nil when the stream shows no text. At most `limit` bytes out.
    static func pdfText(_ b: UnsafeRawBufferPointer, limit: Int = 16 << 20) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0, shown = false
        let n = b.count
        while i < n, out.count < limit {
            let c = b[i]
            switch c {
            case 0x28: // ( a literal string, parentheses nested
                var depth = 1
                i += 1
                while i < n, depth > 0, out.count < limit {
                    let d = b[i]
                    if d == 0x5C, i + 1 < n {
                        let e = b[i + 1]
                        i += 2
                        switch e {
                        case 0x6E: out.append(0x0A)
                        case 0x72: out.append(0x0D)
                        case 0x74: out.append(0x09)
                        case 0x62: out.append(0x08)
                        case 0x66: out.append(0x0C)
                        case 0x0A: break // a line continued
                        case 0x0D: if i < n, b[i] == 0x0A { i += 1 }
                        case 0x30...0x37:
                            var value = Int(e - 0x30)
                            var k = 0
                            while k < 2, i < n, b[i] >= 0x30, b[i] <= 0x37 { value = value * 8 + Int(b[i] - 0x30); i += 1; k += 1 }
                            out.append(UInt8(truncatingIfNeeded: value))
                        default: out.append(e)
                        }
                        continue
                    }
                    if d == 0x28 { depth += 1 } else if d == 0x29 { depth -= 1; if depth == 0 { i += 1; break } }
                    out.append(d)
                    i += 1
                }
                shown = true
            case 0x3C: // < a hex string (not << a dictionary)
                if i + 1 < n, b[i + 1] == 0x3C { i += 2; continue }
                i += 1
                var high: UInt8?
                while i < n, b[i] != 0x3E {
                    if Trigger.isHexByte(b[i]) {
                        let v = HexRun.nibble(b[i])
                        if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
                    }
                    i += 1
                }
                if let h = high { out.append(h << 4) }
                i += 1
                shown = true
            case 0x54 where i + 1 < n && (b[i + 1] == 0x6A || b[i + 1] == 0x4A): // Tj, TJ
                out.append(0x0A)
                i += 2
            case 0x27, 0x22: // ' and " show a string on the next line
                out.append(0x0A)
                i += 1
            case 0x25: // a comment, to the line end
                while i < n, b[i] != 0x0A, b[i] != 0x0D { i += 1 }
            default:
                i += 1
            }
        }
        return shown ? out : nil
    }

    /// Where a PNG's compressed text starts and ends (`zTXt`, and `iTXt` marked compressed),
    /// with the chunk's type; empty for anything that is no PNG. The chunks' CRCs are not
    /// checked: a reader that ignores them still shows the text.
    static func pngText(_ b: UnsafeRawBufferPointer) -> [(type: String, range: Range<Int>)] {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard b.count > 8, signature.indices.allSatisfy({ b[$0] == signature[$0] }) else { return [] }
        func nul(from: Int, to: Int) -> Int? { (from..<to).first { b[$0] == 0 } }
        var found: [(String, Range<Int>)] = []
        var at = 8
        while at + 12 <= b.count {
            let length = Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
            let data = at + 8
            guard length <= b.count - data - 4 else { break }
            let end = data + length
            let type = String(decoding: UnsafeRawBufferPointer(rebasing: b[(at + 4)..<data]), as: UTF8.self)
            if type == "zTXt", let k = nul(from: data, to: min(end, data + 80)), k + 2 < end, b[k + 1] == 0 {
                found.append((type, (k + 2)..<end))
            } else if type == "iTXt", let k = nul(from: data, to: min(end, data + 80)), k + 3 < end, b[k + 1] == 1, b[k + 2] == 0,
                      let language = nul(from: k + 3, to: end), let translated = nul(from: language + 1, to: end) {
                found.append((type, (translated + 1)..<end))
            } else if type == "IEND" {
                break
            }
            at = end + 4
        }
        return found
    }
}
