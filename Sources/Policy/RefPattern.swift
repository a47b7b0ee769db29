/// A pattern over full ref names for `[refs]` lists: git's wildmatch with WM_PATHNAME on the
/// whole name. `*`, `?` and `[...]` stay inside one segment (`refs/heads/release/*` matches
/// `refs/heads/release/1.0`, not `refs/heads/release/1.0/fix`); `**` as a whole segment crosses
/// segments (`refs/heads/**`; `refs/**/wip` also matches `refs/wip`); `\` escapes. A name
/// without glob syntax matches only itself. There is no negation and no prefix matching.
public struct RefPattern: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    let bytes: [UInt8]
    let isLiteral: Bool

    public struct Invalid: Error, Sendable, Equatable { public let message: String }

    public init(_ source: String) throws(Invalid) {
        let bytes = Array(source.utf8)
        guard source.hasPrefix("refs/") else {
            throw Invalid(message: "ref pattern '\(source)' must name full refs, starting with refs/ (like refs/heads/main)")
        }
        guard !source.hasSuffix("/") else {
            throw Invalid(message: "ref pattern '\(source)' ends with '/'; to match every ref below it write '\(source)**'")
        }
        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw Invalid(message: "ref pattern '\(source)' contains a control character")
        }
        if let problem = PathPattern.diagnose(bytes) {
            throw Invalid(message: "ref pattern '\(source)' can never match: \(problem)")
        }
        self.source = source
        self.bytes = bytes
        isLiteral = !bytes.contains(where: isGlobSpecial)
    }

    public func matches(_ ref: String) -> Bool { matches(Array(ref.utf8)) }

    public func matches(_ ref: [UInt8]) -> Bool {
        if isLiteral { return ref == bytes }
        return Wildmatch.matches(bytes, ref, pathname: true)
    }

    public var description: String { source }

    /// The pattern up to its first glob or escape character: every name it matches starts
    /// with this (the whole name for a literal pattern), so refs can be looked for under it.
    public var literalPrefix: String {
        String(decoding: bytes.prefix { !isGlobSpecial($0) }, as: UTF8.self)
    }
}

extension Array where Element == RefPattern {
    /// Whether any pattern of the list matches `ref`.
    public func matches(_ ref: String) -> Bool { contains { $0.matches(ref) } }
}
