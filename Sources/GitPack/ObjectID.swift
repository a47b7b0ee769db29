/// A SHA-1 object id, stored inline so it hashes and compares without touching libgit2.

import Base
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    // 20 bytes as three words; equality and hashing are three integer operations. Inlinable
    // across modules: ids are hashed and compared millions of times in a history walk.
    @usableFromInline package var a: UInt64
    @usableFromInline package var b: UInt64
    @usableFromInline package var c: UInt32

    public static let zero = ObjectID(a: 0, b: 0, c: 0)

    @inlinable
    package init(a: UInt64, b: UInt64, c: UInt32) {
        self.a = a
        self.b = b
        self.c = c
    }

    /// Reads 20 raw bytes (as in a tree entry).
    @inlinable
    public init(bytes: UnsafeRawPointer) {
        a = bytes.loadUnaligned(as: UInt64.self)
        b = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        c = bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
    }

    /// Parses 40 hex digits; nil for anything else.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard let id = utf8.withUnsafeBytes({ ObjectID(hexDigits: $0) }) else { return nil }
        self = id
    }

    /// From exactly 40 ASCII hex digits (either case), read in place: commit headers hold ids
    /// this way, and a history reads hundreds of thousands of them.
    @inlinable
    package init?(hexDigits digits: UnsafeRawBufferPointer) {
        guard digits.count == 40 else { return nil }
        var raw: (UInt64, UInt64, UInt32) = (0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &raw) { out -> Bool in
            for i in 0..<20 {
                guard let hi = Self.nibble(digits[2 * i]), let lo = Self.nibble(digits[2 * i + 1]) else { return false }
                out[i] = hi << 4 | lo
            }
            return true
        }
        guard parsed else { return nil }
        self = withUnsafeBytes(of: &raw) { ObjectID(bytes: $0.baseAddress!) }
    }

    @inlinable
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    public var isZero: Bool { self == .zero }

    @inlinable
    public static func == (lhs: ObjectID, rhs: ObjectID) -> Bool {
        lhs.a == rhs.a && lhs.b == rhs.b && lhs.c == rhs.c
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(a)
        hasher.combine(b)
        hasher.combine(c)
    }

    public var bytes: [UInt8] {
        var copy = self
        return withUnsafeBytes(of: &copy.a) { Array($0) } + withUnsafeBytes(of: &copy.b) { Array($0) }
            + withUnsafeBytes(of: &copy.c) { Array($0) }
    }

    /// Lowercase hex, as git prints it: the words' 20 bytes, with no array made for them.
    public var hex: String {
        withUnsafeBytes(of: (a, b, c)) { Hex.encode(UnsafeRawBufferPointer(rebasing: $0[..<20])) }
    }

    public var description: String { hex }

    /// Byte order (as hex strings sort), without building byte arrays: the words hold the
    /// bytes little-endian, so their byte-swapped values compare as the bytes do.
    @inlinable
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        if lhs.a != rhs.a { return UInt64(littleEndian: lhs.a).byteSwapped < UInt64(littleEndian: rhs.a).byteSwapped }
        if lhs.b != rhs.b { return UInt64(littleEndian: lhs.b).byteSwapped < UInt64(littleEndian: rhs.b).byteSwapped }
        return UInt32(littleEndian: lhs.c).byteSwapped < UInt32(littleEndian: rhs.c).byteSwapped
    }
}

/// The four kinds of git object (and `other` for anything else a damaged store might claim).
public enum ObjectType: Sendable, Equatable, CustomStringConvertible {
    case commit, tree, blob, tag, other

    public var description: String {
        switch self {
        case .commit: "commit"
        case .tree: "tree"
        case .blob: "blob"
        case .tag: "tag"
        case .other: "object"
        }
    }
}
