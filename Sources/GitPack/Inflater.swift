import CLibDeflate
import CZlib

/// One zlib inflate stream, set up once and reset for each object: setting one up per object
/// cost an allocation and a free of zlib's state every time (a history reads millions). Used
/// by one thread at a time, as the `PackStore` that owns it.
final class Inflater {
    /// zlib's state points back at its stream, so the stream never moves.
    private let stream: UnsafeMutablePointer<z_stream>
    private var ready = false
    /// libdeflate's whole-buffer decompressor (nil only when it cannot be allocated).
    let decompressor: OpaquePointer?

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        decompressor = libdeflate_alloc_decompressor()
    }

    deinit {
        if let decompressor { libdeflate_free_decompressor(decompressor) }
        if ready { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The stream, ready for a new object; nil when zlib cannot set it up.
    func begin() -> UnsafeMutablePointer<z_stream>? {
        if ready { return inflateReset(stream) == Z_OK ? stream : nil }
        guard inflateInit_(stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        ready = true
        return stream
    }
}
