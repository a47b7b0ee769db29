import Crypto

/// RFC 6962 hashing: leaves are SHA-256(0x00 || record), interior nodes SHA-256(0x01 || l || r),
/// and the root of n leaves splits at the largest power of two below n.
public enum MerkleHash {
    public static func leaf(_ payload: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(bufferPointer: payload)
        return Array(hasher.finalize())
    }

    public static func leaf(_ payload: [UInt8]) -> [UInt8] { payload.withUnsafeBytes { leaf($0) } }

    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    /// The root over `leaves` by the recursive definition of RFC 6962 §2.1 (the reference the
    /// incremental form is checked against).
    public static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            var k = 1
            while k << 1 < leaves.count { k <<= 1 }
            let split = leaves.startIndex + k
            return node(root(leaves[..<split]), root(leaves[split...]))
        }
    }
}

/// The right edge of a Merkle tree grown one leaf at a time: the roots of its perfect subtrees,
/// largest first (one per bit of the size). Enough to compute the root in O(log n) and to
/// keep growing.
public struct MerkleFrontier: Equatable, Sendable {
    public private(set) var size: Int64 = 0
    /// Roots of perfect subtrees, sizes strictly decreasing left to right.
    public private(set) var hashes: [[UInt8]] = []

    public init() {}

    /// A frontier restored from storage; nil when the hash count does not match the size.
    public init?(size: Int64, hashes: [[UInt8]]) {
        guard size >= 0, size.nonzeroBitCount == hashes.count, hashes.allSatisfy({ $0.count == 32 }) else { return nil }
        self.size = size
        self.hashes = hashes
    }

    public mutating func append(leafHash: [UInt8]) {
        var hash = leafHash
        var n = size
        // Each trailing one bit of the old size is a subtree of equal size to merge with.
        while n & 1 == 1 {
            hash = MerkleHash.node(hashes.removeLast(), hash)
            n >>= 1
        }
        hashes.append(hash)
        size += 1
    }

    public var root: [UInt8] {
        guard var hash = hashes.last else { return MerkleHash.emptyRoot }
        for left in hashes.dropLast().reversed() { hash = MerkleHash.node(left, hash) }
        return hash
    }
}
