import Foundation
import Gate
import Reports
import ReviewGateTestSupport
import Testing

/// The test-support JSON Schema validator must reject what the schema forbids, or the SARIF
/// tests prove nothing: hand-made invalid documents, and thousands of seeded mutations judged
/// by Python's `jsonschema` as the reference.
@Suite struct JSONSchemaTests {
    @Test func coversEveryKeywordOfTheSARIFSchema() throws {
        #expect(try Fixtures.sarifSchema.unsupportedKeywords.isEmpty)
    }

    /// Each mutation breaks one rule of the schema; the error names the keyword and place.
    @Test(arguments: [
        ("version", #"{"version":"2.0.0","runs":[]}"#, "/version: enum"),
        ("runs missing", #"{"version":"2.1.0"}"#, ": required: missing runs"),
        ("unknown top-level key", #"{"version":"2.1.0","runs":[],"extra":1}"#, "/extra: additionalProperties"),
        ("tool missing", #"{"version":"2.1.0","runs":[{}]}"#, "/runs/0: required: missing tool"),
        ("driver name type", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":5}}}]}"#, "/runs/0/tool/driver/name: type"),
        ("level enum", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}"#,
         "/runs/0/results/0/level: enum"),
        ("message required", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r"}]}]}"#,
         "/runs/0/results/0: required: missing message"),
        ("startLine minimum", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}"#,
         "/region/startLine: minimum"),
        ("integer type", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"ruleIndex":1.5}]}]}"#,
         "/ruleIndex: type"),
        ("uniqueItems", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"a"},{"id":"a"}]}}}]}"#,
         "/rules: uniqueItems"),
        ("fingerprint values are strings", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"partialFingerprints":{"k":1}}]}]}"#,
         "/partialFingerprints/k: type"),
        ("pattern", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","dottedQuadFileVersion":"1.2"}}}]}"#,
         "/dottedQuadFileVersion: pattern"),
        ("message needs text or id", #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{}}]}]}"#,
         "/runs/0/results/0/message: anyOf"),
    ])
    func rejectsInvalidDocuments(name: String, document: String, expected: String) throws {
        let errors = try Fixtures.sarifSchema.errors(try JSONNode.parse(document))
        #expect(errors.contains { $0.contains(expected) }, "\(name): \(errors)")
    }

    @Test func acceptsAMinimalDocument() throws {
        let minimal = #"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"}}]}]}"#
        #expect(try Fixtures.sarifSchema.errors(try JSONNode.parse(minimal)) == [])
    }

    @Test func parserRejectsMalformedJSON() throws {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"a\nb\"", "nul", "[1] 2", "{\"a\":1,}"] {
            #expect((try? JSONNode.parse(bad)) == nil, "\(bad)")
        }
        #expect(try JSONNode.parse(#" {"a":[1,2.5,-3e2,true,null,"\u00e9\ud834\udd1e"]} "#)
                == .object([("a", .array([.number(1, integer: true), .number(2.5, integer: false), .number(-300, integer: false),
                                          .bool(true), .null, .string("é𝄞")]))]))
    }

    /// The validator and Python's `jsonschema` agree on seeded mutations of a real report, and
    /// enough of them are invalid that agreement means something.
    @Test(.enabled(if: Fixtures.pythonJSONSchema, "needs python3 with jsonschema"))
    func agreesWithPythonJSONSchema() throws {
        let schema = try Fixtures.sarifSchema
        let base = try JSONNode.parse(Fixtures.report().sarif)
        var rng = SplitMix(seed: 65)
        var documents: [JSONNode] = []
        for _ in 0..<1500 {
            var doc = base
            for _ in 0..<(1 + Int(rng.next() % 3)) { doc = SchemaDifferential.mutate(doc, &rng) }
            documents.append(doc)
        }
        let ours = documents.map(schema.isValid)
        let theirs = try SchemaDifferential.pythonValid(documents.map(\.text))
        #expect(theirs.count == documents.count)
        var disagreements: [String] = []
        for i in documents.indices where ours[i] != theirs[i] {
            disagreements.append("case \(i): ours \(ours[i]), python \(theirs[i]): \(schema.errors(documents[i]).prefix(3))")
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        let invalid = theirs.filter { !$0 }.count
        #expect(invalid > 300 && invalid < 1400, "\(invalid) invalid of \(documents.count)")
    }
}

enum SchemaDifferential {
    static let values: [JSONNode] = [
        .null, .bool(true), .number(0, integer: true), .number(-1, integer: true), .number(1.5, integer: false),
        .number(3, integer: true), .string(""), .string("error"), .string("warning"), .string("note"), .string("2.1.0"),
        .string("x"), .string("1.2.3.4"), .string("en-US"), .array([]), .array([.string("a"), .string("a")]), .object([]),
        .object([("text", .string("t"))]), .object([("id", .string("i"))]),
    ]

    /// One random change somewhere in the document: a value replaced, a key removed or
    /// added, an array item duplicated or the array emptied.
    static func mutate(_ node: JSONNode, _ rng: inout SplitMix) -> JSONNode {
        var paths: [[PathStep]] = []
        collect(node, [], &paths)
        let path = paths[Int(rng.next() % UInt64(paths.count))]
        return apply(node, path[...], &rng)
    }

    enum PathStep { case key(String), index(Int) }

    static func collect(_ node: JSONNode, _ at: [PathStep], _ out: inout [[PathStep]]) {
        out.append(at)
        switch node {
        case let .object(pairs): for (k, v) in pairs { collect(v, at + [.key(k)], &out) }
        case let .array(items): for (i, v) in items.enumerated() { collect(v, at + [.index(i)], &out) }
        default: break
        }
    }

    static func apply(_ node: JSONNode, _ path: ArraySlice<PathStep>, _ rng: inout SplitMix) -> JSONNode {
        guard let step = path.first else {
            let choice = rng.next() % 6
            switch (choice, node) {
            case let (0, .object(pairs)) where !pairs.isEmpty:
                var p = pairs
                p.remove(at: Int(rng.next() % UInt64(p.count)))
                return .object(p)
            case let (1, .object(pairs)):
                let keys = ["extra", "text", "id", "uri", "level", "kind", "properties", "name"]
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                return .object(pairs.filter { $0.0 != key } + [(key, values[Int(rng.next() % UInt64(values.count))])])
            case let (2, .array(items)) where !items.isEmpty:
                return .array(items + [items[Int(rng.next() % UInt64(items.count))]])
            case (3, .array):
                return .array([])
            default:
                return values[Int(rng.next() % UInt64(values.count))]
            }
        }
        switch (step, node) {
        case let (.key(k), .object(pairs)):
            return .object(pairs.map { $0.0 == k ? ($0.0, apply($0.1, path.dropFirst(), &rng)) : $0 })
        case let (.index(i), .array(items)):
            var copy = items
            copy[i] = apply(items[i], path.dropFirst(), &rng)
            return .array(copy)
        default:
            return node
        }
    }

    /// Python's verdict on each document (one process for all).
    static func pythonValid(_ documents: [String]) throws -> [Bool] {
        let dir = try Scratch.directory("schema")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("docs.jsonl")
        try Data((documents.map { $0.replacingOccurrences(of: "\n", with: "") }.joined(separator: "\n") + "\n").utf8).write(to: input)
        let schema = Scratch.packageRoot.appendingPathComponent("Tests/ReportsTests/Resources/sarif-schema-2.1.0.json").path
        let script = """
        import sys, json, jsonschema
        schema = json.load(open(sys.argv[1]))
        v = jsonschema.validators.validator_for(schema)(schema)
        print(''.join('1' if v.is_valid(json.loads(line)) else '0' for line in open(sys.argv[2]) if line.strip()))
        """
        let result = try run(["python3", "-c", script, schema, input.path])
        guard result.status == 0 else { throw PythonFailure(message: result.err) }
        return result.out.trimmingCharacters(in: .whitespacesAndNewlines).map { $0 == "1" }
    }
}

struct PythonFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "python3 failed: \(message)" }
}
