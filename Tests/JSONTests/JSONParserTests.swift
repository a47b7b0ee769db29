import Foundation
import Testing
import JSON
import ReviewGateTestSupport

/// A deterministic generator of JSON values and texts.
struct ValueGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let pieces: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1f}", "\u{7f}", "é", "€", "😀",
                                   "\u{2028}", "\u{2029}", "\u{FEFF}", "key", "seq"]

    mutating func string() -> String {
        (0..<below(6)).map { _ in Self.pieces[below(Self.pieces.count)] }.joined()
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        switch below(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(below(2) == 0)
        case 2:
            let choices: [Int64] = [0, -1, 1, 42, Int64.max, Int64.min, -9_007_199_254_740_993, Int64(bitPattern: next())]
            return .int(choices[below(choices.count)])
        case 3: return .string(string())
        case 4: return .array((0..<below(4)).map { _ in value(depth: depth + 1) })
        default:
            var keys = Set<String>()
            var pairs: [(String, JSONValue)] = []
            for _ in 0..<below(5) {
                let key = string()
                if keys.insert(key).inserted { pairs.append((key, value(depth: depth + 1))) }
            }
            return .object(pairs)
        }
    }
}

@Suite struct JSONParserTests {
    @Test func readsBackWhatIsWritten() throws {
        var generator = ValueGenerator(state: 1)
        for _ in 0..<3000 {
            let value = generator.value()
            #expect(try JSONParser.parse(value.serialized()) == value)
            let canonical = value.serialized(sortedKeys: true)
            let parsed = try JSONParser.parse(canonical, canonical: true)
            #expect(parsed.serialized(sortedKeys: true) == canonical)
        }
    }

    @Test(arguments: [
        #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{ "a":1}"#, #"[1, 2]"#, #"{"a":"\/"}"#, #"{"a":"\u0041"}"#, #"{"a":"\u000a"}"#,
        #"{"a":"\u001F"}"#, #"{"a":"\b"}"#, #"{"a":-0}"#, "{\"a\":\"\u{2028}\"}", "{\"a\":\"\u{7f}\"}", #"{"a":"\ud83d\ude00"}"#,
        "{\"a\":1}\n",
    ])
    func canonicalModeRefusesOtherSpellings(text: String) throws {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text, canonical: true) }
        _ = try JSONParser.parse(text)  // each is still valid JSON
    }

    @Test func canonicalKeyOrderIsByUnescapedBytes() throws {
        // "\n" (0x0A) sorts before "A" (0x41) although its escaped form "\\n" does not.
        let value: JSONValue = .object([("A", 1), ("\n", 2), ("é", 3), ("z", 4)])
        let text = value.serialized(sortedKeys: true)
        #expect(try JSONParser.parse(text, canonical: true) == .object([("\n", 2), ("A", 1), ("z", 4), ("é", 3)]))
    }

    @Test(arguments: [
        "", "{", "}", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "01", "1.5", "1e3", "-", "--1", "+1", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\u{01}\"", "9223372036854775808", "-9223372036854775809",
        "[1] [2]", "NaN", "'a'",
    ])
    func refusesInvalidText(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() throws {
        for bytes: [UInt8] in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)) }
        #expect(try JSONParser.parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) != .null)
    }

    @Test func keepsOnlyNamedTopLevelMembers() throws {
        var generator = ValueGenerator(state: 9)
        for _ in 0..<500 {
            guard case let .object(pairs) = generator.value(), !pairs.isEmpty else { continue }
            let value = JSONValue.object(pairs + [("seq", 7)].filter { p in !pairs.contains { $0.0 == p.0 } })
            let text = Array(value.serialized(sortedKeys: true).utf8)
            let kept = try text.withUnsafeBytes { try JSONParser.parseObject($0, canonical: true, keep: [Array("seq".utf8)]) }
            #expect(kept.count == 1 && kept[0].value == value["seq"])
        }
    }

    /// Random bytes and random damage to valid texts never crash the reader.
    @Test func hostileInputNeverTraps() {
        var generator = ValueGenerator(state: 5)
        for _ in 0..<5000 {
            let bytes = (0..<generator.below(40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? JSONParser.parse(bytes)
            _ = try? JSONParser.parse(bytes, canonical: true)
        }
    }

    /// Differential against Python's json module over damaged and re-spaced texts: what Python
    /// accepts (leaving out what JSONValue cannot hold: fractions, huge integers, lone
    /// surrogates, repeated keys) we accept with the same value; what it refuses we refuse.
    @Test func agreesWithPython() throws {
        var generator = ValueGenerator(state: 77)
        var texts: [[UInt8]] = []
        let alphabet = Array("{}[],:\"\\ 0123456789-.eEtrufalsn\n".utf8)
        while texts.count < 4000 {
            var text = Array(generator.value().serialized(sortedKeys: generator.below(2) == 0).utf8)
            if generator.below(3) == 0 { text = Array(String(decoding: text, as: UTF8.self).replacingOccurrences(of: ",", with: " ,\n ").utf8) }
            for _ in 0..<generator.below(3) where !text.isEmpty {
                let at = generator.below(text.count)
                switch generator.below(4) {
                case 0: text.remove(at: at)
                case 1: text.insert(alphabet[generator.below(alphabet.count)], at: at)
                case 2: text[at] = alphabet[generator.below(alphabet.count)]
                default: text.removeLast(generator.below(text.count))
                }
            }
            texts.append(text)
        }
        let script = #"""
        import json, sys
        def esc(s):
            out = ['"']
            for ch in s:
                o = ord(ch)
                if ch == '"': out.append('\\"')
                elif ch == '\\': out.append('\\\\')
                elif ch == '\n': out.append('\\n')
                elif ch == '\r': out.append('\\r')
                elif ch == '\t': out.append('\\t')
                elif o in (0x2028, 0x2029): out.append('\\u%x' % o)
                elif o < 0x20 or o == 0x7f: out.append('\\u%04x' % o)
                else: out.append(ch)
            out.append('"')
            return ''.join(out)
        class Skip(Exception): pass
        class Obj(list): pass
        def canon(v):
            if v is None: return 'null'
            if v is True: return 'true'
            if v is False: return 'false'
            if isinstance(v, int):
                if not -2**63 <= v < 2**63: raise Skip()
                return str(v)
            if isinstance(v, str):
                v.encode('utf-8')
                return esc(v)
            if isinstance(v, Obj):
                return '{' + ','.join(esc(k) + ':' + canon(x) for k, x in sorted(v, key=lambda p: p[0].encode('utf-8'))) + '}'
            if isinstance(v, list): return '[' + ','.join(canon(x) for x in v) + ']'
            raise Skip()
        def pairs(p):
            if len(set(k for k, _ in p)) != len(p): raise Skip()
            return Obj(p)
        def nofloat(_): raise Skip()
        for line in open(sys.argv[1]):
            data = bytes.fromhex(line.strip())
            try:
                text = data.decode('utf-8')
            except UnicodeDecodeError:
                print('invalid'); continue
            try:
                v = json.loads(text, object_pairs_hook=pairs, parse_float=nofloat, parse_constant=nofloat)
                print('ok ' + canon(v).encode('utf-8').hex())
            except Skip:
                print('skip')
            except (UnicodeEncodeError, RecursionError):
                print('skip')
            except ValueError:
                print('invalid')
        """#
        // The texts go through a file: a pipe would kill this process (SIGPIPE) if Python died early.
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("json-diff-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: input) }
        try Data(texts.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n").utf8).write(to: input)
        let result = try run(["python3", "-c", script, input.path])
        let verdicts = result.out.split(separator: "\n").map(String.init)
        #expect(verdicts.count == texts.count, "\(result.err)")
        var compared = (ok: 0, invalid: 0)
        for (text, verdict) in zip(texts, verdicts) {
            let ours = try? JSONParser.parse(text)
            let shown = String(decoding: text, as: UTF8.self)
            if verdict == "invalid" {
                #expect(ours == nil, "Python refuses, we accept: \(shown)")
                compared.invalid += 1
            } else if verdict.hasPrefix("ok ") {
                let expected = String(verdict.dropFirst(3))
                let got = ours.map { Array($0.serialized(sortedKeys: true).utf8).map { String(format: "%02x", $0) }.joined() }
                #expect(got == expected, "differs on: \(shown)")
                compared.ok += 1
            }
        }
        #expect(compared.ok > 1000 && compared.invalid > 500, "\(compared)")
    }
}
