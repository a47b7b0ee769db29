import JSON
import Testing
@testable import AuditLog

/// `LandingIndex`: which accepted pushes landed, from records alone (SPEC §1.5).
@Suite struct LandingIndexTests {
    static func refs(_ updates: [(String, String?, String?)]) -> JSONValue {
        .array(updates.map { ref, old, new in
            .object([("ref", .string(ref)), ("old", old.map(JSONValue.string) ?? .null), ("new", new.map(JSONValue.string) ?? .null)])
        })
    }

    static func push(_ decision: String, _ updates: [(String, String?, String?)]) -> JSONValue {
        .object([("kind", "push"), ("decision", .string(decision)), ("refs", refs(updates))])
    }

    static func landed(_ pushSeq: Int64?, _ updates: [(String, String?, String?)]) -> JSONValue {
        .object([("kind", "landed"), ("push_seq", pushSeq.map(JSONValue.int) ?? .null), ("refs", refs(updates))])
    }

    @Test func matchesBySeqThenByUpdatesAndFlagsTheRest() {
        var index = LandingIndex()
        let records: [JSONValue] = [
            Self.push("accept", [("refs/heads/early", nil, "a1")]),          // 1: before install, untracked
            .object([("kind", "install"), ("refs", Self.refs([]))]),         // 2
            Self.push("accept", [("refs/heads/main", nil, "b1")]),           // 3: landed, by seq
            Self.landed(3, [("refs/heads/main", nil, "b1")]),                // 4
            Self.push("reject", [("refs/heads/main", "b1", "c1")]),          // 5: refused, untracked
            Self.push("accept", [("refs/heads/locked", nil, "d1")]),         // 6: never landed
            Self.push("override", [("refs/heads/main", "b1", "e1"), ("refs/heads/locked", nil, "e1")]), // 7: partly
            Self.landed(nil, [("refs/heads/main", "b1", "e1")]),             // 8: no seq: matched by updates
            Self.landed(nil, [("refs/heads/other", nil, "f1")]),             // 9: nobody accepted it
        ]
        for (i, record) in records.enumerated() { index.add(record, seq: Int64(i + 1)) }
        #expect(index.status(ofPush: 1) == nil)
        #expect(index.status(ofPush: 3) == .landed)
        #expect(index.status(ofPush: 5) == nil)
        #expect(index.status(ofPush: 6) == .notLanded)
        #expect(index.status(ofPush: 7) == .partly(landed: 1, of: 2))
        #expect(index.notLanded.map { $0.seq } == [6, 7])
        #expect(index.notLanded.map { $0.refs } == [["refs/heads/locked"], ["refs/heads/locked"]])
        #expect(index.unexplained.map { $0.seq } == [9])
    }

    @Test func aLandedRecordConfirmsOnePushOnly() {
        // Two identical accepted pushes (same ref, old and new): one landed record confirms one.
        var index = LandingIndex()
        index.add(.object([("kind", "install")]), seq: 1)
        index.add(Self.push("accept", [("refs/heads/main", "a", "b")]), seq: 2)
        index.add(Self.push("accept", [("refs/heads/main", "a", "b")]), seq: 3)
        index.add(Self.landed(3, [("refs/heads/main", "a", "b")]), seq: 4)
        #expect(index.status(ofPush: 3) == .landed)
        #expect(index.status(ofPush: 2) == .notLanded)
        // A second landed record of the same updates is unexplained once both are confirmed.
        index.add(Self.landed(nil, [("refs/heads/main", "a", "b")]), seq: 5)
        #expect(index.status(ofPush: 2) == .landed)
        index.add(Self.landed(nil, [("refs/heads/main", "a", "b")]), seq: 6)
        #expect(index.unexplained.map { $0.seq } == [6])
    }
}
