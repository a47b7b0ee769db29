/// Bytes copied from a base: `target..<target+count` of the new bytes equals
/// `source..<source+count` of the base's. A pack delta's copy ops say this of an object and
/// its base; the scanner uses it to search only what a new version did not copy.
public struct CopiedBytes: Sendable, Equatable {
    public var target: Int
    public var source: Int
    public var count: Int

    public init(target: Int, source: Int, count: Int) {
        self.target = target
        self.source = source
        self.count = count
    }
}
