import Base

extension ConfigurationError {
    public init(file: String, _ error: TOMLError) {
        self.init(file: file, position: error.position, message: error.message)
    }
}

/// Typed, strict reading of one table: each accessor checks the type and remembers the key,
/// and `finish()` refuses any key nobody asked for (a typo must not silently do nothing).
public struct TOMLFields {
    public let table: TOMLTable
    public let file: String
    /// How the table is named in messages, e.g. `[[rules]] 'github-pat'`.
    public let context: String
    /// The keys asked for: a short list, searched linearly (cheaper than hashing each name).
    private var read: [String] = []

    public init(_ table: TOMLTable, file: String, context: String) {
        self.table = table
        self.file = file
        self.context = context
    }

    public func error(_ message: String, at key: String? = nil) -> ConfigurationError {
        let position = key.flatMap { table[$0]?.position } ?? table.position
        return ConfigurationError(file: file, position: position, message: message)
    }

    public func error(_ message: String, at position: TOMLPosition) -> ConfigurationError {
        ConfigurationError(file: file, position: position, message: message)
    }

    private mutating func node(_ key: String) -> TOMLNode? {
        if !read.contains(key) { read.append(key) }
        return table[key]
    }

    private func wrongType(_ key: String, _ node: TOMLNode, _ expected: String) -> ConfigurationError {
        error("'\(key)' in \(context) must be \(expected), not a \(node.value.typeName)", at: key)
    }

    public mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let node = node(key) else { return nil }
        guard case let .string(s) = node.value else { throw wrongType(key, node, "a string") }
        return s
    }

    public mutating func integer(_ key: String) throws(ConfigurationError) -> Int? {
        guard let node = node(key) else { return nil }
        guard case let .integer(i) = node.value, let v = Int(exactly: i) else { throw wrongType(key, node, "an integer") }
        return v
    }

    /// A number; integers are accepted where a float is expected (`entropy = 3`).
    public mutating func number(_ key: String) throws(ConfigurationError) -> Double? {
        guard let node = node(key) else { return nil }
        switch node.value {
        case let .float(f): return f
        case let .integer(i): return Double(i)
        default: throw wrongType(key, node, "a number")
        }
    }

    public mutating func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case let .bool(b) = node.value else { throw wrongType(key, node, "true or false") }
        return b
    }

    /// An array of strings, each with its position.
    public mutating func strings(_ key: String) throws(ConfigurationError) -> [(String, TOMLPosition)]? {
        guard let node = node(key) else { return nil }
        guard case let .array(items) = node.value else { throw wrongType(key, node, "an array of strings") }
        var result: [(String, TOMLPosition)] = []
        for item in items {
            guard case let .string(s) = item.value else {
                throw error("'\(key)' in \(context) must hold strings, not a \(item.value.typeName)", at: item.position)
            }
            result.append((s, item.position))
        }
        return result
    }

    public mutating func table(_ key: String) throws(ConfigurationError) -> TOMLTable? {
        guard let node = node(key) else { return nil }
        guard case let .table(t) = node.value else { throw wrongType(key, node, "a table") }
        return t
    }

    /// An array of tables (`[[key]]`, or an inline array of inline tables).
    public mutating func tables(_ key: String) throws(ConfigurationError) -> [TOMLTable]? {
        guard let node = node(key) else { return nil }
        guard case let .array(items) = node.value else { throw wrongType(key, node, "an array of tables") }
        var result: [TOMLTable] = []
        for item in items {
            guard case let .table(t) = item.value else {
                throw error("'\(key)' in \(context) must hold tables, not a \(item.value.typeName)", at: item.position)
            }
            result.append(t)
        }
        return result
    }

    public func position(of key: String) -> TOMLPosition? { table[key]?.position }

    /// Refuses the first key that no accessor read.
    public func finish() throws(ConfigurationError) {
        for key in table.keys where !read.contains(key) {
            throw ConfigurationError(file: file, position: table.keyPosition(key) ?? table.position,
                                     message: "unknown key '\(key)' in \(context)")
        }
    }
}
