/// One record on disk:
///
///     u32 big-endian  payload length L (1 ... Frame.maximumPayload)
///     u32 big-endian  CRC-32C of the payload
///     L bytes         payload (canonical JSON, never containing a 0x00 byte)
///     u32 big-endian  L again, so the last frame of a file can be found from its end
///
/// A length below 2^24 always starts with a 0x00 byte, which JSON text cannot contain, so a
/// frame can never be forged inside a record's strings.
public enum Frame {
    public static let headerSize = 8
    public static let trailerSize = 4
    public static let overhead = headerSize + trailerSize
    public static let maximumPayload = (1 << 24) - 1

    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + overhead)
        appendUInt32(UInt32(payload.count), to: &out)
        appendUInt32(CRC32C.checksum(payload), to: &out)
        out.append(contentsOf: payload)
        appendUInt32(UInt32(payload.count), to: &out)
        return out
    }

    static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(value >> 24))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8(value & 0xFF))
    }

    @inline(__always)
    static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// What is found at an offset of a segment.
    public enum Scan: Equatable {
        /// A whole, intact frame: its payload's range and the offset just past it.
        case frame(payload: Range<Int>, end: Int)
        /// The bytes run out before the frame does (what a crash mid-write leaves).
        case incomplete
        /// The frame is all there but wrong: bad length, checksum or trailer.
        case damaged(String)
    }

    /// Reads the frame starting at `offset`.
    public static func scan(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Scan {
        let available = bytes.count - offset
        guard available >= headerSize else { return .incomplete }
        let length = Int(readUInt32(bytes, offset))
        guard length > 0, length <= maximumPayload else { return .damaged("frame length \(length) out of range") }
        guard available >= length + overhead else { return .incomplete }
        let payload = offset + headerSize..<offset + headerSize + length
        guard Int(readUInt32(bytes, payload.upperBound)) == length else { return .damaged("frame trailer does not repeat its length") }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[payload]))
        guard crc == readUInt32(bytes, offset + 4) else { return .damaged("payload checksum mismatch") }
        return .frame(payload: payload, end: payload.upperBound + trailerSize)
    }

    /// The last whole frame of `bytes` when it ends exactly at the end, found from the trailer.
    static func last(_ bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        guard bytes.count >= overhead + 1 else { return nil }
        let length = Int(readUInt32(bytes, bytes.count - trailerSize))
        guard length > 0, length <= maximumPayload, length + overhead <= bytes.count else { return nil }
        let start = bytes.count - overhead - length
        if case let .frame(payload, end) = scan(bytes, at: start), end == bytes.count { return payload }
        return nil
    }
}
