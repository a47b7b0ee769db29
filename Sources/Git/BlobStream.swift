// A blob read a piece at a time (SPEC §1.3: a large blob is streamed, so raising
// max_file_bytes does not raise the memory a read takes).
import GitPack

/// One blob's bytes, read front to back. Not for sharing across threads.
public final class BlobStream {
    public let size: Int
    fileprivate let source: Source
    private var at = 0

    fileprivate enum Source {
        /// Inflated a piece at a time from a pack entry or a loose object.
        case inflating(ObjectStream)
        /// Already whole in memory (a delta rebuilt under the limit, an object libgit2 read).
        case whole(RawObject)
    }

    fileprivate init(size: Int, source: Source) {
        self.size = size
        self.source = source
    }

    /// Reads up to `out.count` bytes: 0 at the end, -1 when the object is damaged.
    public func read(into out: UnsafeMutableRawBufferPointer) -> Int {
        switch source {
        case let .inflating(stream):
            return stream.read(into: out)
        case let .whole(raw):
            return withExtendedLifetime(raw) {
                let bytes = raw.bytes
                let n = min(out.count, bytes.count - at)
                guard n > 0 else { return 0 }
                out.baseAddress!.copyMemory(from: bytes.baseAddress! + at, byteCount: n)
                at += n
                return n
            }
        }
    }
}

extension Repository {
    /// Blob `id` as a stream: a whole pack entry or a loose object of this repository's objects
    /// directory is inflated a piece at a time; anything else (a delta, which needs its base
    /// whole; an object only libgit2 reaches) is read whole, and only when it is at most
    /// `wholeLimit` bytes: past that, nil (the caller says the blob could not be read).
    public func blobStream(_ id: ObjectID, wholeLimit: Int) throws(GitError) -> BlobStream? {
        var streamed: PackStore.Streamed?
        var loose: (ObjectType, ObjectStream)?
        do throws(PackStore.Damage) {
            streamed = try packStore.stream(id)
            if streamed == nil { loose = try ObjectStream.loose(id, in: objectsDirectory) }
            // Objects of alternates (a fork's shared store; the repository itself, seen from
            // a push quarantine): their loose files, then their packs, which are opened only
            // now, for a blob too large to read whole.
            if streamed == nil, loose == nil {
                for directory in alternateObjectDirectories where loose == nil {
                    loose = try ObjectStream.loose(id, in: directory)
                }
                if loose == nil, !alternateObjectDirectories.isEmpty { streamed = try alternatePackStore.stream(id) }
            }
        } catch {
            throw GitError(kind: .other, message: "object \(id) is damaged: \(error.message)")
        }
        switch streamed {
        case let .whole(type, stream)?:
            guard type == .blob else { throw GitError(kind: .other, message: "object \(id) is a \(type), not a blob") }
            return BlobStream(size: stream.size, source: .inflating(stream))
        case let .delta(size)?:
            guard size <= wholeLimit else { return nil }
        case nil:
            if let (type, stream) = loose {
                guard type == .blob else { throw GitError(kind: .other, message: "object \(id) is a \(type), not a blob") }
                return BlobStream(size: stream.size, source: .inflating(stream))
            }
        }
        guard try header(id).size <= wholeLimit else { return nil }
        let raw = try readRaw(id, expecting: .blob)
        return BlobStream(size: raw.bytes.count, source: .whole(raw))
    }
}
