import Base
import Foundation
import Testing
import TOML

/// A TOML document as plain JSON-like text, for comparing with Python's `tomllib`.
func canonical(_ node: TOMLValue) -> String {
    switch node {
    case let .string(s): return "s:" + s.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: ",")
    case let .integer(i): return "i:\(i)"
    case let .float(f): return f.isNaN ? "f:nan" : "f:\(f)"
    case let .bool(b): return "b:\(b)"
    case let .array(items): return "[" + items.map { canonical($0.value) }.joined(separator: ";") + "]"
    case let .table(t): return "{" + t.keys.sorted().map { "\($0)=\(canonical(t[$0]!.value))" }.joined(separator: ";") + "}"
    }
}

let pythonCanonical = #"""
import sys, tomllib, math
def c(v):
    if isinstance(v, bool): return "b:" + ("true" if v else "false")
    if isinstance(v, str): return "s:" + ",".join(format(ord(ch), "x") for ch in v)
    if isinstance(v, int): return "i:%d" % v
    if isinstance(v, float): return "f:nan" if math.isnan(v) else "f:" + repr(v)
    if isinstance(v, list): return "[" + ";".join(c(x) for x in v) + "]"
    if isinstance(v, dict): return "{" + ";".join("%s=%s" % (k, c(v[k])) for k in sorted(v)) + "}"
    raise SystemExit("unsupported")
try:
    print(c(tomllib.loads(sys.stdin.read())), end="")
except tomllib.TOMLDecodeError:
    print("ERROR", end="")
"""#

func python(_ document: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", pythonCanonical]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(document.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func ours(_ document: String) -> String {
    do { return canonical(.table(try TOML.parse(document))) } catch { return "ERROR" }
}

@Suite struct TOMLTests {
    /// Every document reads the same as Python's tomllib reads it, or both refuse it.
    @Test(arguments: [
        "a = 1\nb = 'lit'\nc = \"esc\\t\\u00e9\\U0001F600\"\nd = true\ne = -0.5e3\nf = 0x1F\ng = 0o17\nh = 0b101\ni = 1_000",
        "[t]\nx = 1\n[t.u]\ny = [1, 2, [3, 'x'], { z = 1 }]\n",
        "[[rules]]\nid = 'a'\n[[rules.allowlists]]\npaths = ['p']\n[[rules]]\nid = 'b'\n",
        // Elements of arrays of tables, filled apart and put in place at the next header.
        "[[a]]\nx.y = 1\nx.z = 2\n[a.sub]\nk = 'v'\n[[a.list]]\nn = 1\n[[a.list]]\nn = 2\n[[a]]\nx = 3\n",
        "[[a]]\n[[a]]\nb = 1\n[c]\nd = 2\n[[a]]\n",
        "[[a.b]]\nc = 1\n[[a.b]]\nc = 2\n[a.d]\ne = 3\n",
        "[[a]]\nb = 1\nb = 2\n",
        "[[a]]\nb.c = 1\n[a.b]\nd = 2\n",
        "[[a]]\nb = 1\n[a]\n",
        "[[a]]\nsub = { x = 1 }\n[a.sub]\ny = 2\n",
        "a.b.c = 1\na.b.d = 2\n[x]\ny.z = 'q'\n",
        "s = '''\nmulti\nline'''\nr = \"\"\"\\\n   trimmed \\\n   here\"\"\"\nq = \"\"\"two \"quotes\" \"\"\"\n",
        "regex = '''(?i)\\b(ghp_[A-Za-z0-9]{36})\\b'''\n",
        "arr = [\n  1, # one\n  2,\n]\n# comment only\n",
        "inf1 = inf\ninf2 = -inf\nn = nan\nz = 0\nneg = -17\n",
        "\"quoted key\" = 1\n'lit key' = 2\n\"a.b\" = 3\n",
        "examples.true = ['x']\nexamples.false = ['y']\n",
        "[a]\n[a.b]\n[a.c]\n",
        "e = {}\nt = { a.b = 1, c = [] }\n",
        // invalid documents
        "a = 1\na = 2\n",
        "[t]\n[t]\n",
        "a = \n",
        "a = 'unterminated\n",
        "a = 01\n",
        "a = 1_\n",
        "a = [1 2]\n",
        "[t\n",
        "a = 1 b = 2\n",
        "a = { b = 1 }\n[a]\n",
        "x = 1\n[[x]]\n",
        "a = \"\\q\"\n",
        "a = 1\n[a.b]\n",
        "a = '''x\u{01}y'''\n",
        "a = \"\"\"x\u{01}\"\"\"\n",
        "a = 'tab\there'\n",
    ])
    func agreesWithPython(document: String) throws {
        #expect(ours(document) == (try python(document)), "\(document)")
    }

    @Test func errorsSayWhere() {
        #expect {
            _ = try TOML.parse("ok = 1\n\nbad = [1, 2\n")
        } throws: { error in
            (error as? TOMLError)?.position.line == 4 || (error as? TOMLError)?.position.line == 3
        }
        do {
            _ = try TOML.parse("a = 1\n  a = 2\n")
            Issue.record("duplicate key accepted")
        } catch {
            #expect(error.position == TOMLPosition(line: 2, column: 3))
            #expect(error.message.contains("duplicate key 'a'"))
        }
    }

    @Test func positionsOfKeysAndValues() throws {
        let doc = try TOML.parse("[[rules]]\nid = \"x\"\n  regex = 'y'\n")
        guard case let .array(rules)? = doc["rules"]?.value, case let .table(rule) = rules[0].value else {
            Issue.record("no rules")
            return
        }
        #expect(rule.keyPosition("regex") == TOMLPosition(line: 3, column: 3))
        #expect(rule["regex"]?.position == TOMLPosition(line: 3, column: 11))
        #expect(rule.keys == ["id", "regex"])
    }

    @Test func datesAreRefusedClearly() {
        #expect(throws: TOMLError.self) { try TOML.parse("d = 1979-05-27\n") }
        #expect(throws: TOMLError.self) { try TOML.parse("t = 07:32:00\n") }
    }

    /// Skipped keys leave no trace in the result, yet their values are read as strictly as
    /// any (a broken one is an error) and the lines after them keep their numbers.
    @Test func skippedKeysAreReadButDropped() throws {
        let text = """
        [[rules]]
        id = 'a'
        examples.true = ['x\\y', "q\\"z", '''
        multi
        line''']
        examples.false = [[ 'nested' ], { k = "v" }]
        after = 1
        [[rules]]
        id = 'b'
        examples = { true = ['t'] }
        bad = @
        """
        #expect(throws: TOMLError.self) { try TOML.parse(text, skipping: ["examples"]) }
        let good = text.replacingOccurrences(of: "bad = @", with: "late = 2")
        let kept = try TOML.parse(good)
        let dropped = try TOML.parse(good, skipping: ["examples"])
        guard case let .array(all)? = dropped["rules"]?.value, case let .table(first) = all[0].value,
              case let .table(second) = all[1].value, case let .array(keptAll)? = kept["rules"]?.value,
              case let .table(keptFirst) = keptAll[0].value else {
            Issue.record("rules are not an array of tables")
            return
        }
        #expect(first.keys == ["id", "after"])
        #expect(second.keys == ["id", "late"])
        #expect(keptFirst.keys == ["id", "examples", "after"])
        #expect(first["after"]?.position == keptFirst["after"]?.position)
        #expect(first["after"]?.position.line == 7)
        // Quoted keys of an inline table inside a skipped value stay distinct.
        #expect(throws: Never.self) { try TOML.parse("examples = [{ \"in\" = \"x\", \"out\" = \"y\" }]\nk = 1\n", skipping: ["examples"]) }
        for broken in ["examples.true = ['unterminated\n", "examples = [1, 2\n", "examples.x = \"bad \\q escape\"\n"] {
            #expect(throws: TOMLError.self) { try TOML.parse(broken, skipping: ["examples"]) }
        }
    }
}
