// A TOML 1.0 reader that remembers where every key and value stands, so configuration
// errors can name file, line and column (SPEC §2). Dates and times are refused with a clear
// error: no ReviewGate file uses them.

import Base

/// Where a key or value stands: a 1-based line and column.
public typealias TOMLPosition = SourcePosition

public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var position: TOMLPosition
    public init(_ message: String, at position: TOMLPosition) {
        self.message = message
        self.position = position
    }
    public var description: String { "\(position): \(message)" }
}

public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case array([TOMLNode])
    case table(TOMLTable)

    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .bool: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// A value and where it was written.
public struct TOMLNode: Sendable, Equatable {
    public var value: TOMLValue
    public var position: TOMLPosition
}

/// A table: keys in the order they were first written, each with its key's position.
/// Looked up by a linear search while small (a rule's table has a handful of keys, where
/// comparing short strings is cheaper than hashing them), by a dictionary once large.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    /// nodes[i] is the value of keys[i]; nil while `take` has it out.
    private var nodes: [TOMLNode?] = []
    private var keyPositions: [TOMLPosition] = []
    /// key → its index, made once the table passes `TOMLTable.indexed` keys.
    private var index: [String: Int]? = nil
    public var position: TOMLPosition

    /// How the table came to be, for TOML's rules on defining a table twice.
    enum Origin: Sendable { case header, implicit, dotted, inline, arrayElement, root }
    var origin: Origin

    static let indexed = 12

    init(position: TOMLPosition, origin: Origin) {
        self.position = position
        self.origin = origin
    }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.keys == b.keys && a.nodes == b.nodes && a.keyPositions == b.keyPositions && a.position == b.position
            && a.origin == b.origin
    }

    private func slot(_ key: String) -> Int? {
        if let index { return index[key] }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    public subscript(key: String) -> TOMLNode? {
        guard let i = slot(key) else { return nil }
        return nodes[i]
    }
    public func keyPosition(_ key: String) -> TOMLPosition? {
        guard let i = slot(key) else { return nil }
        return keyPositions[i]
    }
    public var isEmpty: Bool { keys.isEmpty }

    /// Removes and returns a value, keeping its key's place, so the caller holds the only
    /// reference and can change it in place (then `set` it back) without copying.
    mutating func take(_ key: String) -> TOMLNode? {
        guard let i = slot(key) else { return nil }
        let node = nodes[i]
        nodes[i] = nil
        return node
    }

    mutating func set(_ key: String, _ node: TOMLNode, keyAt position: TOMLPosition) {
        if let i = slot(key) {
            nodes[i] = node
            keyPositions[i] = position
            return
        }
        keys.append(key)
        nodes.append(node)
        keyPositions.append(position)
        if index != nil {
            index![key] = keys.count - 1
        } else if keys.count > TOMLTable.indexed {
            index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        }
    }
}

public enum TOML {
    /// Parses a whole document. Throws `TOMLError` with the position of the first problem.
    /// Keys named in `skipping` (a key, or the first part of a dotted one) are read for
    /// their syntax and left out, wherever they stand: values a caller never reads (a rule
    /// file's examples, when only scanning) cost no strings.
    public static func parse(_ text: String, skipping: Set<String> = []) throws(TOMLError) -> TOMLTable {
        var parser = Parser(Array(text.utf8), skipping: skipping)
        return try parser.document()
    }
}
