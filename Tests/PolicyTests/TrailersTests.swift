import Foundation
import Policy
import ReviewGateTestSupport
import Testing

/// Generated commit messages made of the lines that steer git's trailer rules.
struct MessageCorpus {
    var rng: SplitMix
    init(seed: UInt64) { rng = SplitMix(seed: seed) }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    static let keys = ["Reviewed-by", "Approved-by", "Signed-off-by", "Acked-by", "Bug", "Change-Id", "X", "a-b-c",
                       "Co-authored-by", "Fixes", "-", "9"]
    static let values = ["Bob <bob@example.com>", "Alice Liddell <alice@example.com>", "", "  padded  ", "x: y",
                         "https://example.com/a:b", "caf\u{e9} <c@x>", "#42", "a\tb"]

    mutating func trailerLine() -> String {
        let key = pick(Self.keys)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return "\(key) : \(pick(Self.values))"
        case 1: return "\(key):\(pick(Self.values))"
        case 2: return "\(key)\t:  \(pick(Self.values))  "
        case 3: return "\(key) #\(Int.random(in: 1...99, using: &rng))"
        default: return "\(key): \(pick(Self.values))"
        }
    }

    mutating func line(allowScissors: Bool) -> String {
        switch Int.random(in: 0..<30, using: &rng) {
        case 0..<9: return trailerLine()
        case 9: return "Signed-off-by: \(pick(["Ann <ann@x>", "B <b@y>"]))"
        case 10: return "(cherry picked from commit \(String(repeating: "ab", count: 20)))"
        case 11, 12: return pick([" continued", "\tmore text", "    deeper: value", " "])
        case 13: return pick(["# a comment", "#Key: v", "#"])
        case 14: return pick(["---", "--- a/file", "---\t", "---x", "----", " ---"])
        case 15: return allowScissors ? "# ------------------------ >8 ------------------------" : "plain"
        case 16: return pick(["Conflicts:", "\tpath/one.c", "\tpath/two.c"])
        case 17: return pick(["key with space: v", "Key word: v", ": empty key", "  indented: x", "K_y: underscore"])
        case 18: return pick(["", "", "   ", "\t"])
        case 19: return pick(["Key: crlf\r", "line\r", "caf\u{e9}: accented key", "R\u{e9}viewed-by: x"])
        default: return pick(["Some prose here.", "Fix the thing", "This explains why.", "see http://x.y/z",
                              "Note: prose with a colon", "A", "Long line of text that goes on and on."])
        }
    }

    /// A title, body paragraphs and a final stretch of mixed lines; scissors lines only where
    /// no divider precedes them (git 2.39 loops forever on a scissors line after `---`).
    mutating func message() -> [UInt8] {
        var lines: [String] = []
        if chance(5) { lines.append("") }
        lines.append(pick(["Subject line", "Fix: parser", "Reviewed-by: title <t@x>", "# comment title", "area: change"]))
        if chance(15) { lines.append(trailerLine()) }
        let paragraphs = Int.random(in: 0...3, using: &rng)
        for _ in 0..<paragraphs {
            lines.append(pick(["", "", "  "]))
            let count = Int.random(in: 1...6, using: &rng)
            for _ in 0..<count { lines.append(line(allowScissors: false)) }
        }
        let divided = lines.contains { $0.hasPrefix("---") }
        if chance(15) {
            lines.append(pick(["", "---", "--- a/x", "# comment"]))
            for _ in 0..<Int.random(in: 0...3, using: &rng) { lines.append(line(allowScissors: !divided && !lines.contains { $0.hasPrefix("---") })) }
        }
        var text = lines.joined(separator: "\n")
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: break
        case 1: text += "\n\n"
        case 2: text += "\n# trailing comment\n"
        default: text += "\n"
        }
        var bytes = Array(text.utf8)
        if chance(2) { bytes.insert(0xFF, at: Int.random(in: 0...bytes.count, using: &rng)) }
        return bytes
    }
}

/// Runs `git interpret-trailers --parse` once per message (one shell, many git runs), with
/// optional configuration; returns each output.
func gitParseTrailers(_ messages: [[UInt8]], config: [String] = []) throws -> [[UInt8]] {
    let dir = try Scratch.directory("trailers")
    defer { try? FileManager.default.removeItem(at: dir) }
    for (i, message) in messages.enumerated() {
        try Data(message).write(to: dir.appendingPathComponent("m\(i)"))
    }
    let configArgs = config.map { "-c '\($0)'" }.joined(separator: " ")
    let script = "for i in $(seq 0 \(messages.count - 1)); do git \(configArgs) interpret-trailers --parse m$i || exit 1; printf '\\000'; done"
    let result = try run(["bash", "-c", script], in: dir,
                         environment: ["HOME": dir.path, "XDG_CONFIG_HOME": dir.path, "GIT_CONFIG_NOSYSTEM": "1"])
    try #require(result.status == 0, "git interpret-trailers failed: \(result.err)")
    var outputs = Array(result.stdout).split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
    outputs.removeLast()
    return outputs
}

@Suite struct TrailersTests {
    @Test func blockRules() {
        let parser = TrailerParser()
        let message = "Title\n\nBody text.\n\nReviewed-by: Bob <bob@example.com>\nAcked-by: Carol\n  <carol@example.com>\n"
        #expect(parser.parse(message) == [Trailer(key: "Reviewed-by", value: "Bob <bob@example.com>"),
                                          Trailer(key: "Acked-by", value: "Carol <carol@example.com>")])
        // No blank line before: the title paragraph never holds trailers.
        #expect(parser.parse("Reviewed-by: x <x@y>\n").isEmpty)
        // A prose line in the block, without a git-generated trailer, spoils it.
        #expect(parser.parse("T\n\nReviewed-by: a <a@b>\nprose\n").isEmpty)
        // With Signed-off-by, 25% trailers are enough.
        #expect(parser.parse("T\n\nSigned-off-by: a <a@b>\np1\np2\np3\n").map(\.key) == ["Signed-off-by"])
        #expect(parser.parse("T\n\nSigned-off-by: a <a@b>\np1\np2\np3\np4\n").isEmpty)
        // After the `---` divider nothing counts.
        #expect(parser.parse("T\n\nReviewed-by: a <a@b>\n---\nApproved-by: c <c@d>\n").map(\.key) == ["Reviewed-by"])
        #expect(parser.parse("T\n\nKey word: v\n").isEmpty)
        #expect(TrailerParser(separators: ":#").parse("T\n\nBug #42\n").map(\.value) == ["42"])
    }

    @Test func emails() {
        #expect(Trailer.email(in: "Bob <bob@example.com>") == "bob@example.com")
        #expect(Trailer.email(in: " bob@example.com ") == "bob@example.com")
        #expect(Trailer.email(in: "Bob <>") == nil)
        #expect(Trailer.email(in: "Bob") == nil)
        #expect(Trailer.email(in: "Bob <a@b> trailing") == nil)
        #expect(Trailer.email(in: "A <x> <bob@x>") == "bob@x")
    }

    @Test(arguments: 0..<4)
    func agreesWithGitOnGeneratedMessages(batch: Int) throws {
        var corpus = MessageCorpus(seed: 4_000 + UInt64(batch))
        let messages = (0..<1_000).map { _ in corpus.message() }
        let expected = try gitParseTrailers(messages)
        try #require(expected.count == messages.count)
        let parser = TrailerParser()
        var failures = 0, withTrailers = 0
        for (message, output) in zip(messages, expected) {
            let ours = parser.render(parser.parse(message))
            if !output.isEmpty { withTrailers += 1 }
            if ours != output && failures < 15 {
                failures += 1
                Issue.record("message \(show(message))\ngit:  \(show(output))\nours: \(show(ours))")
            }
        }
        #expect(failures == 0)
        #expect(withTrailers > messages.count / 6, "only \(withTrailers) messages had trailers")
    }

    @Test func agreesWithGitWithOtherSeparators() throws {
        var corpus = MessageCorpus(seed: 99)
        let messages = (0..<500).map { _ in corpus.message() }
        let expected = try gitParseTrailers(messages, config: ["trailer.separators=:#"])
        let parser = TrailerParser(separators: ":#")
        for (message, output) in zip(messages, expected) {
            #expect(parser.render(parser.parse(message)) == output, "message \(show(message))")
        }
    }

    /// The messages of a long history: the repository named by `REVIEWGATE_GIT_HISTORY` (e.g.
    /// a clone of git.git, whose messages are real), else 3,000 generated messages committed
    /// with `git fast-import`. `git log --format=%(trailers:only,unfold)` gives the reference
    /// for all of them at once; it differs from `--parse` only on messages with a `---` line
    /// (it sets no_divider) or leading blank lines (it starts at the subject), so those, and a
    /// sample of the rest, go through `git interpret-trailers --parse` itself (as do messages
    /// with a carriage return, which the two read differently).
    @Test func agreesWithGitOnALongHistory() throws {
        let given = ProcessInfo.processInfo.environment["REVIEWGATE_GIT_HISTORY"].flatMap { $0.isEmpty ? nil : $0 }
        var generated: ScratchRepository?
        let gitDir: String
        if let given {
            gitDir = try run(["git", "-C", given, "rev-parse", "--path-format=absolute", "--git-dir"])
                .out.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            print("TrailersTests: REVIEWGATE_GIT_HISTORY is not set; using 3,000 generated commit messages instead of a real history")
            let repo = try ScratchRepository(bare: true, label: "trailer-history")
            var corpus = MessageCorpus(seed: 2_024)
            var stream = Data()
            for n in 0..<3_000 {
                let message = Data(corpus.message())
                stream += Data("commit refs/heads/main\ncommitter C <c@example.com> \(1_700_000_000 + n) +0000\ndata \(message.count)\n".utf8)
                stream += message + Data("\n".utf8)
            }
            let imported = try repo.git(["fast-import", "--quiet"], input: stream)
            try #require(imported.status == 0, "\(imported.err)")
            generated = repo
            gitDir = repo.path
        }
        defer { withExtendedLifetime(generated) {} }
        let tip = "HEAD"
        let dump = try run(["git", "--git-dir", gitDir, "log", "-n", "20000", "--format=%H%x00%(trailers:only,unfold)%x00", tip])
        try #require(dump.status == 0, "\(dump.err)")
        let fields = Array(dump.stdout).split(separator: 0, omittingEmptySubsequences: false)
        var ids: [String] = []
        var reference: [String: [UInt8]] = [:]
        var i = 0
        while i + 1 < fields.count {
            let id = String(decoding: fields[i], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            ids.append(id)
            reference[id] = Array(fields[i + 1])
            i += 2
        }
        let raw = try run(["git", "--git-dir", gitDir, "cat-file", "--batch"], input: Data((ids.joined(separator: "\n") + "\n").utf8))
        let objects = Array(raw.stdout)
        var messages: [String: [UInt8]] = [:]
        var at = 0
        while at < objects.count {
            guard let eol = objects[at...].firstIndex(of: 0x0A) else { break }
            let header = String(decoding: objects[at..<eol], as: UTF8.self).split(separator: " ")
            guard header.count == 3, let size = Int(header[2]) else { break }
            let body = Array(objects[(eol + 1)..<(eol + 1 + size)])
            var start = 0
            while start + 1 < body.count && !(body[start] == 0x0A && body[start + 1] == 0x0A) { start += 1 }
            messages[String(header[0])] = Array(body[min(start + 2, body.count)...])
            at = eol + 1 + size + 1
        }
        try #require(messages.count == ids.count)

        let parser = TrailerParser()
        var direct: [String] = []
        var rng = SplitMix(seed: 7)
        var failures = 0, withTrailers = 0
        for id in ids {
            let message = messages[id]!
            let text = String(decoding: message, as: UTF8.self)
            // Carriage returns too: the log format and `--parse` read them differently.
            if text.hasPrefix("\n") || text.contains("\r") || text.split(separator: "\n", omittingEmptySubsequences: false).contains(where: {
                $0.hasPrefix("---") && ($0.count == 3 || " \t\r".contains($0[$0.index($0.startIndex, offsetBy: 3)]))
            }) || text.hasPrefix("---") {
                direct.append(id)
                continue
            }
            if Int.random(in: 0..<100, using: &rng) == 0 { direct.append(id) }
            let ours = parser.render(parser.parse(message))
            if !ours.isEmpty { withTrailers += 1 }
            if ours != reference[id]! && failures < 10 {
                failures += 1
                Issue.record("commit \(id): git \(show(reference[id]!)) ours \(show(ours))")
            }
        }
        let expected = try gitParseTrailers(direct.map { messages[$0]! })
        for (id, output) in zip(direct, expected) {
            let ours = parser.render(parser.parse(messages[id]!))
            if ours != output && failures < 20 {
                failures += 1
                Issue.record("commit \(id) (--parse): git \(show(output)) ours \(show(ours))")
            }
        }
        #expect(failures == 0)
        #expect(direct.count > ids.count / 200)
        #expect(ids.count >= 1000, "only \(ids.count) commits")
        #expect(withTrailers > ids.count / (given == nil ? 8 : 4), "only \(withTrailers) of \(ids.count) messages had trailers")
    }
}
