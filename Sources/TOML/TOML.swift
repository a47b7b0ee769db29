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
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLNode] = [:]
    private var keyPositions: [String: TOMLPosition] = [:]
    public var position: TOMLPosition

    /// How the table came to be, for TOML's rules on defining a table twice.
    enum Origin: Sendable { case header, implicit, dotted, inline, arrayElement, root }
    var origin: Origin

    init(position: TOMLPosition, origin: Origin) {
        self.position = position
        self.origin = origin
    }

    public subscript(key: String) -> TOMLNode? { values[key] }
    public func keyPosition(_ key: String) -> TOMLPosition? { keyPositions[key] }
    public var isEmpty: Bool { keys.isEmpty }

    /// Removes and returns a value, keeping its key's place, so the caller holds the only
    /// reference and can change it in place (then `set` it back) without copying.
    mutating func take(_ key: String) -> TOMLNode? {
        values.removeValue(forKey: key)
    }

    mutating func set(_ key: String, _ node: TOMLNode, keyAt position: TOMLPosition) {
        if keyPositions[key] == nil { keys.append(key) }
        values[key] = node
        keyPositions[key] = position
    }
}

public enum TOML {
    /// Parses a whole document. Throws `TOMLError` with the position of the first problem.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = Parser(Array(text.unicodeScalars))
        return try parser.document()
    }
}
