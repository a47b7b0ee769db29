/// Recursive descent over the UTF-8 bytes, read as Unicode scalars, tracking line and column
/// (counted in scalars). Reading bytes, with fast runs through plain string text, comments and
/// keys, made loading the built-in rule file several times faster than an array of scalars.

import Base
struct Parser {
    typealias Key = (name: String, position: TOMLPosition)

    /// Valid UTF-8 (it comes from a `String`).
    let text: [UInt8]
    var index = 0
    var line = 1
    var column = 1
    /// Arrays made by `[[name]]`: only these can be appended to by another `[[name]]`.
    var tableArrays: Set<[String]> = []
    /// Keys whose values are read for their syntax and dropped (`TOML.parse(_:skipping:)`),
    /// and whether such a value is being read now.
    let skipped: Set<String>
    var discarding = false

    init(_ text: [UInt8], skipping: Set<String> = []) {
        self.text = text
        skipped = skipping
    }

    var position: TOMLPosition { TOMLPosition(line: line, column: column) }
    var atEnd: Bool { index >= text.count }
    /// The byte at the read position (0 at the end, which no check below looks for).
    var byte: UInt8 { index < text.count ? text[index] : 0 }
    var current: Unicode.Scalar? { scalar(at: index) }
    func peek(_ offset: Int) -> Unicode.Scalar? {
        // Only ever asked to look past ASCII scalars (quotes, spaces, line breaks): a byte
        // offset is a scalar offset there, and a non-ASCII byte compares unequal to all of them.
        index + offset < text.count ? Unicode.Scalar(text[index + offset]) : nil
    }

    /// The scalar whose first byte is at `i`.
    func scalar(at i: Int) -> Unicode.Scalar? {
        guard i < text.count else { return nil }
        let b = text[i]
        if b < 0x80 { return Unicode.Scalar(b) }
        var it = text[i...].makeIterator()
        var decoder = UTF8()
        if case let .scalarValue(s) = decoder.decode(&it) { return s }
        return nil
    }

    /// Bytes in the scalar that starts with `b`.
    static func width(_ b: UInt8) -> Int {
        b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
    }

    mutating func advance() {
        guard index < text.count else { return }
        let b = text[index]
        if b == 0x0A { line += 1; column = 1 } else { column += 1 }
        index = min(text.count, index + Parser.width(b))
    }

    func error(_ message: String, at position: TOMLPosition? = nil) -> TOMLError {
        TOMLError(message, at: position ?? self.position)
    }

    // MARK: Document

    mutating func document() throws(TOMLError) -> TOMLTable {
        var root = TOMLTable(position: position, origin: .root)
        var currentPath: [Key] = []
        // The element a `[[name]]` header just appended (empty then) is filled here and put in
        // place at the next header: finding it again in the document for every key was most
        // of the time a long array of tables (the rule file) took to load.
        var element: TOMLTable?
        func placeElement(_ parser: inout Parser, _ root: inout TOMLTable) throws(TOMLError) {
            guard let filled = element else { return }
            element = nil
            try parser.descend(&root, currentPath[...], names: []) { (_: inout Parser, table: inout TOMLTable, _: [String]) throws(TOMLError) in
                table = filled
            }
        }
        while true {
            skipWhitespaceCommentsAndNewlines()
            guard let c = current else { break }
            if c == "[" {
                try placeElement(&self, &root)
                let start = position
                advance()
                let isArray = current == "["
                if isArray { advance() }
                skipSpaces()
                let path = try keyPath()
                skipSpaces()
                guard current == "]" else { throw error("expected ']' to close the table header") }
                advance()
                if isArray {
                    guard current == "]" else { throw error("expected ']]' to close the array-of-tables header") }
                    advance()
                }
                try endOfLine()
                if isArray {
                    try appendTableArray(&root, path: path[...], names: [], start: start)
                    element = TOMLTable(position: start, origin: .arrayElement)
                } else {
                    try defineTable(&root, path: path[...], start: start)
                }
                currentPath = path
            } else if element != nil {
                if let (path, value) = try keyAndValue() {
                    try assign(&element!, path: path[...], value: value)
                }
                try endOfLine()
            } else {
                try keyValue(into: &root, tablePath: currentPath[...])
                try endOfLine()
            }
        }
        try placeElement(&self, &root)
        return root
    }

    /// Descends into `path` (the last element of an array of tables, where there is one),
    /// creating implicit tables, and runs `body` on the table found.
    mutating func descend(_ table: inout TOMLTable, _ path: ArraySlice<Key>, names: [String],
                          _ body: (inout Parser, inout TOMLTable, [String]) throws(TOMLError) -> Void) throws(TOMLError) {
        guard let key = path.first else {
            try body(&self, &table, names)
            return
        }
        let names = names + [key.name]
        // Taken out of the table (and out of `child` below) so each level is changed in
        // place: copying the array of tables on every key would make a long file quadratic.
        var child: TOMLNode
        if let existing = table.take(key.name) {
            child = existing
        } else {
            child = TOMLNode(value: .table(TOMLTable(position: key.position, origin: .implicit)), position: key.position)
        }
        let typeName = child.value.typeName
        if case .table(var inner) = child.value {
            child.value = .bool(false)
            if inner.origin == .inline { throw error("cannot extend the inline table '\(key.name)'", at: key.position) }
            try descend(&inner, path.dropFirst(), names: names, body)
            child.value = .table(inner)
        } else if tableArrays.contains(names), case .array(var items) = child.value {
            child.value = .bool(false)
            guard case .table(var last) = items[items.count - 1].value else { throw error("bad array of tables", at: key.position) }
            items[items.count - 1].value = .bool(false)
            try descend(&last, path.dropFirst(), names: names, body)
            items[items.count - 1].value = .table(last)
            child.value = .array(items)
        } else {
            throw error("'\(key.name)' is already a \(typeName), not a table", at: key.position)
        }
        table.set(key.name, child, keyAt: table.keyPosition(key.name) ?? key.position)
    }

    mutating func defineTable(_ root: inout TOMLTable, path: ArraySlice<Key>, start: TOMLPosition) throws(TOMLError) {
        let last = path.last!
        try descend(&root, path.dropLast(), names: []) { (parser: inout Parser, table: inout TOMLTable, _: [String]) throws(TOMLError) in
            if let existing = table[last.name] {
                guard case var .table(inner) = existing.value, inner.origin == .implicit else {
                    throw parser.error("'\(last.name)' is defined more than once", at: last.position)
                }
                inner.origin = .header
                table.set(last.name, TOMLNode(value: .table(inner), position: existing.position), keyAt: last.position)
            } else {
                table.set(last.name, TOMLNode(value: .table(TOMLTable(position: start, origin: .header)), position: start),
                          keyAt: last.position)
            }
        }
    }

    mutating func appendTableArray(_ root: inout TOMLTable, path: ArraySlice<Key>, names: [String], start: TOMLPosition) throws(TOMLError) {
        let last = path.last!
        try descend(&root, path.dropLast(), names: []) { (parser: inout Parser, table: inout TOMLTable, prefix: [String]) throws(TOMLError) in
            let full = prefix + [last.name]
            let element = TOMLNode(value: .table(TOMLTable(position: start, origin: .arrayElement)), position: start)
            // Taken out of the table, so the array is appended to in place: a copy per element
            // made a file of a few hundred rules spend most of its start-up copying.
            if var existing = table.take(last.name) {
                guard parser.tableArrays.contains(full), case .array(var items) = existing.value else {
                    throw parser.error("'\(last.name)' is already a \(existing.value.typeName), not an array of tables", at: last.position)
                }
                existing.value = .bool(false)
                items.append(element)
                existing.value = .array(items)
                table.set(last.name, existing, keyAt: last.position)
            } else {
                parser.tableArrays.insert(full)
                table.set(last.name, TOMLNode(value: .array([element]), position: start), keyAt: last.position)
            }
        }
    }

    /// `a.b.c = value` inside the current table.
    mutating func keyValue(into root: inout TOMLTable, tablePath: ArraySlice<Key>) throws(TOMLError) {
        guard let (path, value) = try keyAndValue() else { return }
        try descend(&root, tablePath, names: []) { (parser: inout Parser, table: inout TOMLTable, _: [String]) throws(TOMLError) in
            try parser.assign(&table, path: path[...], value: value)
        }
    }

    /// `key = value`: the key's path and the value; nil for a skipped key, whose value is
    /// read (its syntax checked, lines counted) but not kept.
    mutating func keyAndValue() throws(TOMLError) -> ([Key], TOMLNode)? {
        let path = try keyPath()
        skipSpaces()
        guard byte == 0x3D else { throw error("expected '=' after the key") }
        advance()
        skipSpaces()
        guard !skipped.contains(path[0].name) else {
            discarding = true
            defer { discarding = false }
            _ = try value()
            return nil
        }
        return (path, try value())
    }

    /// Assigns through dotted keys, creating the intermediate tables.
    mutating func assign(_ table: inout TOMLTable, path: ArraySlice<Key>, value: TOMLNode) throws(TOMLError) {
        let key = path.first!
        if path.count == 1 {
            if table[key.name] != nil { throw error("duplicate key '\(key.name)'", at: key.position) }
            table.set(key.name, value, keyAt: key.position)
            return
        }
        var inner: TOMLTable
        if let existing = table[key.name] {
            guard case let .table(t) = existing.value, t.origin == .dotted || t.origin == .implicit else {
                throw error("'\(key.name)' is already defined and cannot take dotted keys", at: key.position)
            }
            inner = t
        } else {
            inner = TOMLTable(position: key.position, origin: .dotted)
        }
        try assign(&inner, path: path.dropFirst(), value: value)
        table.set(key.name, TOMLNode(value: .table(inner), position: table[key.name]?.position ?? key.position),
                  keyAt: table.keyPosition(key.name) ?? key.position)
    }

    // MARK: Keys

    mutating func keyPath() throws(TOMLError) -> [Key] {
        var keys: [Key] = [try simpleKey()]
        while true {
            skipSpaces()
            guard byte == 0x2E else { return keys }
            advance()
            skipSpaces()
            keys.append(try simpleKey())
        }
    }

    mutating func simpleKey() throws(TOMLError) -> Key {
        let start = position
        switch current {
        case "\"", "'":
            // A quoted key inside a skipped value is still read whole (inline tables' keys
            // must stay distinct).
            let wasDiscarding = discarding
            discarding = false
            defer { discarding = wasDiscarding }
            return (try string(quote: current!, multiline: false), start)
        default:
            // Bare keys are ASCII: one byte, one column each.
            let from = index
            while index < text.count, isBareKeyByte(text[index]) { index += 1 }
            guard index > from else { throw error("expected a key") }
            column += index - from
            return (String(decoding: text[from..<index], as: UTF8.self), start)
        }
    }

    func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    // MARK: Values

    mutating func value() throws(TOMLError) -> TOMLNode {
        let start = position
        guard let c = current else { throw error("expected a value") }
        switch c {
        case "\"", "'":
            let multiline = peek(1) == c && peek(2) == c
            return TOMLNode(value: .string(try string(quote: c, multiline: multiline)), position: start)
        case "[": return TOMLNode(value: .array(try array()), position: start)
        case "{": return TOMLNode(value: .table(try inlineTable()), position: start)
        case "t", "f":
            var word = ""
            while let c = current, ("a"..."z").contains(c) { word.unicodeScalars.append(c); advance() }
            switch word {
            case "true": return TOMLNode(value: .bool(true), position: start)
            case "false": return TOMLNode(value: .bool(false), position: start)
            default: throw error("expected a value, found '\(word)'", at: start)
            }
        default:
            return try number(start)
        }
    }

    mutating func number(_ start: TOMLPosition) throws(TOMLError) -> TOMLNode {
        // Plain decimals (`3`, `3.5`: nearly every number in these files) read from the bytes.
        var end = index, dots = 0
        while end < text.count, (text[end] >= 0x30 && text[end] <= 0x39) || text[end] == 0x2E {
            if text[end] == 0x2E { dots += 1 }
            end += 1
        }
        let next = end < text.count ? text[end] : 0x0A
        let count = end - index
        if count > 0, count <= 18, dots <= 1, [0x2C, 0x5D, 0x7D, 0x20, 0x09, 0x0A, 0x0D, 0x23].contains(next),
           text[index] != 0x2E, text[end - 1] != 0x2E, text[index] != 0x30 || count == 1 || text[index + 1] == 0x2E {
            let token = text[index..<end]
            index = end
            column += count
            if dots == 0 {
                return TOMLNode(value: .integer(token.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }), position: start)
            }
            if let v = Double(String(decoding: token, as: UTF8.self)) { return TOMLNode(value: .float(v), position: start) }
            throw error("invalid value '\(String(decoding: token, as: UTF8.self))'", at: start)
        }
        var raw = ""
        while let c = current, !(c == "," || c == "]" || c == "}" || c == " " || c == "\t" || c == "\n" || c == "\r" || c == "#") {
            raw.unicodeScalars.append(c)
            advance()
        }
        guard !raw.isEmpty else { throw error("expected a value", at: start) }
        if raw.contains(":") || (raw.count >= 10 && raw.dropFirst(4).first == "-" && raw.first?.isNumber == true) {
            throw error("dates and times are not supported here", at: start)
        }
        let body = raw.hasPrefix("+") || raw.hasPrefix("-") ? String(raw.dropFirst()) : raw
        let negative = raw.hasPrefix("-")
        switch body {
        case "inf": return TOMLNode(value: .float(negative ? -.infinity : .infinity), position: start)
        case "nan": return TOMLNode(value: .float(.nan), position: start)
        default: break
        }
        if body.contains("__") || body.hasPrefix("_") || body.hasSuffix("_") {
            throw error("misplaced '_' in the number '\(raw)'", at: start)
        }
        let digits = body.replacingUnderscores()
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            guard raw == body, let v = Int64(digits.dropFirst(2), radix: radix) else {
                throw error("invalid integer '\(raw)'", at: start)
            }
            return TOMLNode(value: .integer(v), position: start)
        }
        if digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard digits == "0" || !digits.hasPrefix("0"), let v = Int64(digits) else {
                throw error("invalid integer '\(raw)'", at: start)
            }
            return TOMLNode(value: .integer(negative ? -v : v), position: start)
        }
        guard let v = Double(digits), digits.first?.isNumber == true, digits.last?.isNumber == true else {
            throw error("invalid value '\(raw)'", at: start)
        }
        return TOMLNode(value: .float(negative ? -v : v), position: start)
    }

    mutating func array() throws(TOMLError) -> [TOMLNode] {
        advance()  // [
        var items: [TOMLNode] = []
        while true {
            skipWhitespaceCommentsAndNewlines()
            if current == "]" { advance(); return items }
            let item = try value()
            if !discarding { items.append(item) }
            skipWhitespaceCommentsAndNewlines()
            if current == "," { advance(); continue }
            guard current == "]" else { throw error("expected ',' or ']' in the array") }
            advance()
            return items
        }
    }

    mutating func inlineTable() throws(TOMLError) -> TOMLTable {
        var table = TOMLTable(position: position, origin: .inline)
        advance()  // {
        skipSpaces()
        if current == "}" { advance(); return table }
        while true {
            skipSpaces()
            let path = try keyPath()
            skipSpaces()
            guard current == "=" else { throw error("expected '=' after the key") }
            advance()
            skipSpaces()
            let value = try value()
            table.origin = .dotted  // let dotted keys inside the inline table build sub-tables
            try assign(&table, path: path[...], value: value)
            table.origin = .inline
            skipSpaces()
            if current == "," { advance(); continue }
            guard current == "}" else { throw error("expected ',' or '}' in the inline table") }
            advance()
            return table
        }
    }

    // MARK: Strings

    /// All four TOML strings: basic (`"`, with escapes) or literal (`'`), on one line or
    /// multi-line (three quotes; a backslash at the end of a line trims the break and the
    /// indentation that follows, in basic strings).
    mutating func string(quote: Unicode.Scalar, multiline: Bool) throws(TOMLError) -> String {
        let escapes = quote == "\""
        let quoteByte = UInt8(truncatingIfNeeded: quote.value)
        if multiline { openMultiline() } else { advance() }
        var out = UTF8Text()
        while true {
            guard let c = current, multiline || c != "\n" else {
                throw error(multiline ? "unterminated multi-line string" : "unterminated string")
            }
            if multiline {
                if closeMultiline(quote, into: &out) { return out.string }
            } else if c == quote {
                advance()
                return out.string
            }
            if escapes && c == "\\" {
                if multiline && trimLineEndingBackslash() { continue }
                let scalar = try escape()
                if !discarding { out.append(scalar) }
                continue
            }
            if !(multiline && (c == "\n" || c == "\r")) { try checkControl(c) }
            if !discarding { out.append(c) }
            advance()
            // A run of plain text (no quote, backslash, line break or control character) is
            // copied as bytes; a column is counted for each scalar's first byte.
            let from = index
            while index < text.count {
                let b = text[index]
                if b == quoteByte || b == 0x5C || b < 0x20 || b == 0x7F { break }
                if b & 0xC0 != 0x80 { column += 1 }
                index += 1
            }
            if index > from, !discarding { out.append(text[from..<index]) }
        }
    }

    /// At a backslash that ends its line (spaces may follow it): skips it, the line break and
    /// the white space after, and says so.
    mutating func trimLineEndingBackslash() -> Bool {
        var look = 1
        while peek(look) == " " || peek(look) == "\t" { look += 1 }
        guard peek(look) == "\n" || (peek(look) == "\r" && peek(look + 1) == "\n") else { return false }
        advance()
        while let w = current, w == " " || w == "\t" || w == "\n" || w == "\r" { advance() }
        return true
    }

    /// Past the three opening quotes, and the line break right after them, which TOML trims.
    mutating func openMultiline() {
        advance(); advance(); advance()
        if current == "\r" && peek(1) == "\n" { advance() }
        if current == "\n" { advance() }
    }

    /// At three or more `quote`s the string ends; up to two quotes right before the closing
    /// three belong to it.
    mutating func closeMultiline(_ quote: Unicode.Scalar, into out: inout UTF8Text) -> Bool {
        guard current == quote, peek(1) == quote, peek(2) == quote else { return false }
        var quotes = 3
        while peek(quotes) == quote && quotes < 5 { quotes += 1 }
        for _ in 0..<(quotes - 3) { out.append(quote) }
        for _ in 0..<quotes { advance() }
        return true
    }

    func checkControl(_ c: Unicode.Scalar) throws(TOMLError) {
        if (c.value < 0x20 && c != "\t") || c.value == 0x7f { throw error("control character in a string") }
    }

    mutating func escape() throws(TOMLError) -> Unicode.Scalar {
        let start = position
        advance()  // backslash
        guard let c = current else { throw error("unterminated escape") }
        advance()
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "e": return "\u{1B}"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            var hex = ""
            for _ in 0..<(c == "u" ? 4 : 8) {
                guard let h = current, h.properties.isASCIIHexDigit else { throw error("bad unicode escape", at: start) }
                hex.unicodeScalars.append(h)
                advance()
            }
            guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                throw error("bad unicode escape", at: start)
            }
            return scalar
        default:
            throw error("unknown escape '\\\(c)'", at: start)
        }
    }

    // MARK: Whitespace

    mutating func skipSpaces() {
        let from = index
        while index < text.count, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        column += index - from
    }

    mutating func skipComment() {
        guard index < text.count, text[index] == 0x23 else { return }
        while index < text.count, text[index] != 0x0A {
            if text[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
    }

    mutating func skipWhitespaceCommentsAndNewlines() {
        while true {
            skipSpaces()
            skipComment()
            if byte == 0x0A || byte == 0x0D { advance() } else { return }
        }
    }

    /// After a key/value or a header: only spaces and a comment may follow on the line.
    mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        skipComment()
        if current == "\r" && peek(1) == "\n" { advance() }
        guard atEnd || current == "\n" else { throw error("expected the end of the line") }
    }
}

extension String {
    func replacingUnderscores() -> String { String(unicodeScalars.filter { $0 != "_" }) }
}

/// A string's text as UTF-8 bytes, made into a `String` once: appending scalars to a `String`
/// one at a time was a third of loading a large rule file.
struct UTF8Text {
    private var bytes: [UInt8] = []

    mutating func append(_ c: Unicode.Scalar) {
        if c.isASCII {
            bytes.append(UInt8(truncatingIfNeeded: c.value))
        } else {
            UTF8.encode(c) { bytes.append($0) }
        }
    }

    mutating func append(_ run: ArraySlice<UInt8>) { bytes.append(contentsOf: run) }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
