#if canImport(Glibc)
import Glibc
#endif

/// A reconstructed object's bytes, in memory of its own (so a pointer to them stays valid
/// while this lives), shared by the cache and its readers.
public final class ObjectContent: @unchecked Sendable {
    public let type: ObjectType
    @usableFromInline let buffer: UnsafeMutableRawBufferPointer

    /// nil when the memory cannot be had (a damaged size is refused before this, but a
    /// large real object on a small machine must fail cleanly too).
    init?(type: ObjectType, count: Int) {
        guard count <= PackStore.maximumObject, let memory = malloc(max(count, 1)) else { return nil }
        self.type = type
        buffer = UnsafeMutableRawBufferPointer(start: memory, count: max(count, 1))
    }

    deinit { free(buffer.baseAddress) }

    var count: Int { buffer.count }
    /// The object's bytes, valid while this lives.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[..<size]) }
    @usableFromInline private(set) var size = 0
    func setSize(_ n: Int) { size = n }
}
