import Foundation
import ReviewGateTestSupport
import Testing

/// Recall and precision on a labelled corpus made by Benchmarks/corpus/make_corpus.py (written
/// from token formats, not from our rules): true secrets in 18 file formats and decoys, over a
/// history with renames, removals and merges. Goals of issue 3: recall ≥ 0.99, precision ≥ 0.98.
@Suite struct AccuracyTests {
    @Test(arguments: [11, 12] as [Int])
    func corpus(seed: Int) throws {
        let dir = try Scratch.directory("corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("c")
        let made = try run(["python3", Scratch.packageRoot.appendingPathComponent("Benchmarks/corpus/make_corpus.py").path,
                            root.path, "--seed", "\(seed)", "--files", "40"])
        try #require(made.status == 0, "\(made.err)")
        let audit = try reviewgate(["audit", "--repo", root.appendingPathComponent("repo").path, "--format", "json"])
        #expect(audit.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: audit.stdout) as? [String: Any])
        let findings = (doc["findings"] as? [[String: Any]] ?? []).filter {
            $0["kind"] as? String == "secret" && $0["location"] as? String == "content"
        }
        let found = Set(findings.compactMap { f -> String? in
            guard let path = f["path"] as? String, let line = f["line"] as? Int else { return nil }
            return "\(path):\(line)"
        })
        let labels = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("labels.json"))) as? [String: Any])
        let truth = Set((labels["secrets"] as? [[String: Any]] ?? []).compactMap { s -> String? in
            guard let path = s["path"] as? String, let line = s["line"] as? Int else { return nil }
            return "\(path):\(line)"
        })
        try #require(truth.count > 150)
        let truePositives = found.intersection(truth).count
        let recall = Double(truePositives) / Double(truth.count)
        let precision = Double(truePositives) / Double(max(1, found.count))
        #expect(recall >= 0.99, "recall \(recall): missed \(truth.subtracting(found).sorted())")
        #expect(precision >= 0.98, "precision \(precision): false \(found.subtracting(truth).sorted())")
    }
}
