import Base

/// git's delta format: source and target sizes, then copy (from the base) and insert ops.
enum Delta {
    static func apply(_ delta: UnsafeRawBufferPointer, to source: UnsafeRawBufferPointer, type: ObjectType) -> ObjectContent? {
        var none: [CopiedBytes] = []
        return apply(delta, to: source, type: type, recording: false, copies: &none)
    }

    /// The target size a delta declares, without applying it.
    static func targetSize(_ delta: UnsafeRawBufferPointer) -> Int? {
        var at = 0
        guard Varint.decode(delta, at: &at) != nil else { return nil }
        return Varint.decode(delta, at: &at)
    }

    /// Applies `delta`; with `recording`, appends each copy op to `copies` (target order).
    static func apply(_ delta: UnsafeRawBufferPointer, to source: UnsafeRawBufferPointer, type: ObjectType,
                      recording: Bool, copies: inout [CopiedBytes]) -> ObjectContent? {
        var at = 0
        func varint() -> Int? { Varint.decode(delta, at: &at) }
        // Each op adds at most 64 KiB, so a target larger than that per delta byte is damage.
        guard let sourceSize = varint(), sourceSize == source.count, let targetSize = varint(),
              targetSize <= delta.count &* 0x10000, targetSize <= PackStore.maximumObject else {
            return nil
        }
        guard let content = ObjectContent(type: type, count: targetSize) else { return nil }
        let out = content.buffer
        var written = 0
        while at < delta.count {
            let op = delta[at]
            at += 1
            if op & 0x80 != 0 {
                var offset = 0, size = 0
                for i in 0..<4 where op & (1 << i) != 0 {
                    guard at < delta.count else { return nil }
                    offset |= Int(delta[at]) << (8 * i)
                    at += 1
                }
                for i in 0..<3 where op & (0x10 << i) != 0 {
                    guard at < delta.count else { return nil }
                    size |= Int(delta[at]) << (8 * i)
                    at += 1
                }
                if size == 0 { size = 0x10000 }
                guard offset + size <= source.count, written + size <= targetSize else { return nil }
                (out.baseAddress! + written).copyMemory(from: source.baseAddress! + offset, byteCount: size)
                if recording { copies.append(CopiedBytes(target: written, source: offset, count: size)) }
                written += size
            } else if op != 0 {
                let size = Int(op)
                guard at + size <= delta.count, written + size <= targetSize else { return nil }
                (out.baseAddress! + written).copyMemory(from: delta.baseAddress! + at, byteCount: size)
                at += size
                written += size
            } else {
                return nil
            }
        }
        guard written == targetSize else { return nil }
        content.setSize(written)
        return content
    }
}

/// git's variable-length sizes: seven bits a byte, least significant group first, the high
/// bit set on every byte but the last. Delta headers (source and target size) and pack entry
/// headers (the inflated size, after the type and the low four bits in the first byte) are
/// written this way; the offset of an OFS_DELTA's base is not (it is big-endian, with an
/// add-one per byte: see `PackFile.entry`).
enum Varint {
    /// Decodes a number at `at`, moving `at` past it, with its first group OR'ed in at bit
    /// `shift` of `value` (for an entry header, which keeps its first four bits in the type
    /// byte). nil when the bytes end before it does, or before bit 57 is reached.
    @inline(__always)
    static func decode(_ bytes: UnsafeRawBufferPointer, at: inout Int, value: Int = 0, shift: Int = 0) -> Int? {
        var value = value, shift = shift
        while true {
            guard at < bytes.count, shift < 57 else { return nil }
            let byte = bytes[at]
            at += 1
            value |= Int(byte & 0x7f) << shift
            shift += 7
            if byte & 0x80 == 0 { return value }
        }
    }
}
