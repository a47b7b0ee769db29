// A JSON parser that keeps integers apart from other numbers, and a JSON Schema validator for
// the draft-04 keywords the SARIF 2.1.0 schema uses, so tests validate reports without
// network or Python packages. Keywords it does not know are listed, never silently passed.
import Foundation

/// A parsed JSON value. Numbers remember whether they were written as integers (draft-04's
/// `integer` is about the literal, as in Python's `json`).
public indirect enum JSONNode: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double, integer: Bool)
    case string(String)
    case array([JSONNode])
    case object([(String, JSONNode)])

    /// JSON equality: numbers by value, objects regardless of key order.
    public static func == (a: JSONNode, b: JSONNode) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x, _), .number(y, _)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)):
            x.count == y.count && x.allSatisfy { key, value in y.contains { $0.0 == key && $0.1 == value } }
        default: false
        }
    }

    public subscript(key: String) -> JSONNode? {
        if case let .object(pairs) = self { return pairs.last { $0.0 == key }?.1 }
        return nil
    }

    public subscript(index: Int) -> JSONNode? {
        if case let .array(items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var arrayValue: [JSONNode]? { if case let .array(a) = self { a } else { nil } }
    public var intValue: Int? { if case let .number(n, true) = self { Int(exactly: n) } else { nil } }

    /// Compact JSON text (for handing documents to another validator).
    public var text: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .number(n, integer):
            if integer, let i = Int64(exactly: n) { return String(i) }
            return n.isFinite ? String(n) : "0"
        case let .string(s): return Self.quote(s)
        case let .array(items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case let .object(pairs): return "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var description: String { "invalid JSON at byte \(offset)" }
    }

    /// Parses one JSON document (RFC 8259; surrounding whitespace allowed).
    public static func parse(_ text: some StringProtocol) throws -> JSONNode {
        var parser = Parser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == parser.bytes.count else { throw ParseError(offset: parser.i) }
        return value
    }

    public static func parse(_ data: Data) throws -> JSONNode {
        try parse(String(decoding: data, as: UTF8.self))
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        func fail() -> ParseError { ParseError(offset: i) }

        mutating func literal(_ word: String, _ value: JSONNode) throws -> JSONNode {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw fail() }
            i += w.count
            return value
        }

        mutating func value(depth: Int) throws -> JSONNode {
            guard depth < 512 else { throw fail() }
            skipSpace()
            guard i < bytes.count else { throw fail() }
            switch bytes[i] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONNode] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail() }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail()
                }
            case UInt8(ascii: "{"):
                i += 1
                var pairs: [(String, JSONNode)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail() }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail() }
                    i += 1
                    pairs.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw fail() }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                    throw fail()
                }
            default:
                return try number()
            }
        }

        mutating func number() throws -> JSONNode {
            let start = i
            var integer = true
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            let digitsStart = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            guard i > digitsStart, !(bytes[digitsStart] == 0x30 && i - digitsStart > 1) else { throw fail() }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                integer = false
                i += 1
                let fracStart = i
                while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
                guard i > fracStart else { throw fail() }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                integer = false
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                let expStart = i
                while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
                guard i > expStart else { throw fail() }
            }
            guard let n = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail() }
            return .number(n, integer: integer)
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { throw fail() }
            i += 4
            return v
        }

        mutating func string() throws -> String {
            i += 1
            var out = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() {
                out.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                run.removeAll()
            }
            while i < bytes.count {
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "\""):
                    i += 1
                    flush()
                    return String(out)
                case UInt8(ascii: "\\"):
                    flush()
                    i += 1
                    guard i < bytes.count else { throw fail() }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): out.append("\"")
                    case UInt8(ascii: "\\"): out.append("\\")
                    case UInt8(ascii: "/"): out.append("/")
                    case UInt8(ascii: "b"): out.append("\u{8}")
                    case UInt8(ascii: "f"): out.append("\u{c}")
                    case UInt8(ascii: "n"): out.append("\n")
                    case UInt8(ascii: "r"): out.append("\r")
                    case UInt8(ascii: "t"): out.append("\t")
                    case UInt8(ascii: "u"):
                        var v = try hex4()
                        if (0xD800..<0xDC00).contains(v), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            let save = i
                            i += 2
                            let low = try hex4()
                            if (0xDC00..<0xE000).contains(low) {
                                v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                i = save
                            }
                        }
                        out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                    default: throw fail()
                    }
                default:
                    guard b >= 0x20 else { throw fail() }
                    run.append(b)
                    i += 1
                }
            }
            throw fail()
        }
    }
}

/// Validates instances against a JSON Schema (draft-04 semantics: `$ref` replaces its
/// siblings, `exclusiveMinimum` is a boolean). `format` is not asserted, as in Python's
/// `jsonschema` without a format checker.
public struct JSONSchemaValidator {
    public let root: JSONNode
    /// Regular expressions of `pattern`, compiled once.
    private var patterns: [String: NSRegularExpression] = [:]

    /// Keywords this validator applies; annotations it may ignore.
    static let applied: Set<String> = ["$ref", "type", "enum", "properties", "additionalProperties", "patternProperties",
                                       "required", "items", "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
                                       "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
                                       "anyOf", "oneOf", "allOf", "not", "minProperties", "maxProperties"]
    static let annotations: Set<String> = ["description", "default", "title", "id", "$schema", "format", "definitions"]

    public init(schema: JSONNode) throws {
        root = schema
        var found: [String] = []
        Self.collectPatterns(schema, into: &found)
        for p in found where patterns[p] == nil {
            patterns[p] = try NSRegularExpression(pattern: p)
        }
    }

    /// Keywords used in the schema that this validator neither applies nor may ignore.
    public var unsupportedKeywords: Set<String> {
        var out = Set<String>()
        func walk(_ s: JSONNode) {
            guard case let .object(pairs) = s else { return }
            for (key, value) in pairs {
                if !Self.applied.contains(key) && !Self.annotations.contains(key) { out.insert(key) }
                switch key {
                case "properties", "patternProperties", "definitions":
                    if case let .object(children) = value { children.forEach { walk($0.1) } }
                case "items", "additionalProperties", "not":
                    walk(value)
                    value.arrayValue?.forEach(walk)
                case "anyOf", "oneOf", "allOf":
                    value.arrayValue?.forEach(walk)
                default: break
                }
            }
        }
        walk(root)
        return out
    }

    static func collectPatterns(_ s: JSONNode, into out: inout [String]) {
        switch s {
        case let .object(pairs):
            for (key, value) in pairs {
                if key == "pattern", let p = value.stringValue { out.append(p) }
                if key == "patternProperties", case let .object(props) = value { out += props.map(\.0) }
                if key != "enum" { collectPatterns(value, into: &out) }
            }
        case let .array(items):
            items.forEach { collectPatterns($0, into: &out) }
        default: break
        }
    }

    /// Every violation, as `<JSON pointer>: <keyword>: <what>`; empty when valid.
    public func errors(_ instance: JSONNode) -> [String] {
        var out: [String] = []
        validate(instance, root, "", &out)
        return out
    }

    public func isValid(_ instance: JSONNode) -> Bool { errors(instance).isEmpty }

    func resolve(_ ref: String) -> JSONNode? {
        guard ref.hasPrefix("#") else { return nil }
        var node = root
        for token in ref.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    static func typeMatches(_ x: JSONNode, _ type: String) -> Bool {
        switch (type, x) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case let ("integer", .number(_, integer)): integer
        default: false
        }
    }

    func validate(_ x: JSONNode, _ schema: JSONNode, _ at: String, _ errors: inout [String]) {
        if case .bool(false) = schema { errors.append("\(at): false schema"); return }
        guard case let .object(keywords) = schema else { return }
        if let ref = schema["$ref"]?.stringValue {
            guard let target = resolve(ref) else { errors.append("\(at): $ref: cannot resolve \(ref)"); return }
            validate(x, target, at, &errors)
            return
        }
        for (keyword, value) in keywords {
            switch keyword {
            case "type":
                let types = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
                if !types.contains(where: { Self.typeMatches(x, $0) }) {
                    errors.append("\(at): type: expected \(types.joined(separator: " or "))")
                }
            case "enum":
                if !(value.arrayValue ?? []).contains(x) { errors.append("\(at): enum: not one of the allowed values") }
            case "required":
                if case .object = x {
                    for name in value.arrayValue?.compactMap(\.stringValue) ?? [] where x[name] == nil {
                        errors.append("\(at): required: missing \(name)")
                    }
                }
            case "properties", "patternProperties", "additionalProperties":
                // All three together, once, under "properties" (or whichever comes first).
                guard keywords.first(where: { ["properties", "patternProperties", "additionalProperties"].contains($0.0) })?.0 == keyword,
                      case let .object(members) = x else { continue }
                let props = schema["properties"]
                let patternProps: [(String, JSONNode)] = if case let .object(p)? = schema["patternProperties"] { p } else { [] }
                for (name, member) in members {
                    let path = at + "/" + name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                    var matched = false
                    if let sub = props?[name] {
                        matched = true
                        validate(member, sub, path, &errors)
                    }
                    for (pattern, sub) in patternProps where matches(pattern, name) {
                        matched = true
                        validate(member, sub, path, &errors)
                    }
                    if !matched, let extra = schema["additionalProperties"] {
                        if case .bool(false) = extra {
                            errors.append("\(path): additionalProperties: not allowed")
                        } else {
                            validate(member, extra, path, &errors)
                        }
                    }
                }
            case "items":
                guard case let .array(items) = x else { continue }
                if case let .array(schemas) = value {
                    for (i, item) in items.enumerated() where i < schemas.count { validate(item, schemas[i], "\(at)/\(i)", &errors) }
                } else {
                    for (i, item) in items.enumerated() { validate(item, value, "\(at)/\(i)", &errors) }
                }
            case "minItems":
                if case let .array(items) = x, let n = value.intValue, items.count < n { errors.append("\(at): minItems: fewer than \(n)") }
            case "maxItems":
                if case let .array(items) = x, let n = value.intValue, items.count > n { errors.append("\(at): maxItems: more than \(n)") }
            case "uniqueItems":
                if case .bool(true) = value, case let .array(items) = x {
                    outer: for i in items.indices {
                        for j in items.indices where j > i && items[i] == items[j] {
                            errors.append("\(at): uniqueItems: items \(i) and \(j) are equal")
                            break outer
                        }
                    }
                }
            case "minProperties":
                if case let .object(m) = x, let n = value.intValue, m.count < n { errors.append("\(at): minProperties") }
            case "maxProperties":
                if case let .object(m) = x, let n = value.intValue, m.count > n { errors.append("\(at): maxProperties") }
            case "minimum", "maximum":
                guard case let .number(n, _) = x, case let .number(limit, _) = value else { continue }
                let exclusive = schema[keyword == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum"] == .bool(true)
                let ok = keyword == "minimum" ? (exclusive ? n > limit : n >= limit) : (exclusive ? n < limit : n <= limit)
                if !ok { errors.append("\(at): \(keyword): \(n) beyond \(limit)") }
            case "minLength", "maxLength":
                guard case let .string(s) = x, let n = value.intValue else { continue }
                let count = s.unicodeScalars.count
                if keyword == "minLength" ? count < n : count > n { errors.append("\(at): \(keyword) \(n)") }
            case "pattern":
                if case let .string(s) = x, let p = value.stringValue, !matches(p, s) {
                    errors.append("\(at): pattern: does not match \(p)")
                }
            case "anyOf", "oneOf", "allOf":
                let subs = value.arrayValue ?? []
                var passing = 0
                var inner: [String] = []
                for sub in subs {
                    var e: [String] = []
                    validate(x, sub, at, &e)
                    if e.isEmpty { passing += 1 }
                    inner += e
                }
                switch keyword {
                case "anyOf" where passing == 0: errors.append("\(at): anyOf: no alternative matches")
                case "oneOf" where passing != 1: errors.append("\(at): oneOf: \(passing) alternatives match")
                case "allOf" where passing != subs.count: errors += inner
                default: break
                }
            case "not":
                var e: [String] = []
                validate(x, value, at, &e)
                if e.isEmpty { errors.append("\(at): not: matches") }
            default:
                break
            }
        }
    }

    func matches(_ pattern: String, _ s: String) -> Bool {
        guard let regex = patterns[pattern] ?? (try? NSRegularExpression(pattern: pattern)) else { return false }
        return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}
