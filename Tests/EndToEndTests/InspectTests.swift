import Foundation
import ReviewGateTestSupport
import Testing

@Suite struct InspectTests {
    /// The JSON of SPEC §5 for a root commit, a rename, a merge and a non-UTF-8 path, byte for
    /// byte (commit ids are fixed: fixed names, dates and contents).
    @Test func jsonAndTextMatchGoldenFiles() throws {
        let repo = try Histories.everyKindOfChange()
        let cases = [
            ("root", ":/^root"),
            ("renames", ":/renames and a delete"),
            ("evil-merge", ":/evil merge"),
            ("submodule", ":/add submodule"),
            ("type-change", ":/file to symlink"),
        ]
        for (name, rev) in cases {
            let json = try reviewgate(["inspect", rev, "--format", "json"], in: repo.url)
            #expect(json.status == 0, "\(json.err)")
            try expectSnapshot(json.out, named: "inspect-\(name).json", in: "EndToEndTests")
            let text = try reviewgate(["inspect", rev, "--repo", repo.path])
            #expect(text.status == 0, "\(text.err)")
            try expectSnapshot(text.out, named: "inspect-\(name).txt", in: "EndToEndTests")
        }
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let repo = try Histories.everyKindOfChange()
        let result = try reviewgate(["inspect", "HEAD~1", "--format", "json", "--repo", repo.path])
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(Set(doc.keys) == ["commit", "tree", "parents", "author", "committer", "changes", "trailers",
                                   "core", "approvals", "signature", "findings"])
        #expect(doc["commit"] as? String == (try repo.gitOutput(["rev-parse", "HEAD~1"])))
        let author = try #require(doc["author"] as? [String: Any])
        #expect(author["email"] as? String == "ada@example.com")
        #expect((author["time"] as? String)?.hasSuffix("+01:00") == true)
        #expect((doc["signature"] as? [String: Any])?["present"] as? Bool == false)
    }

    /// Paths that are not UTF-8 stay exact in hex, and nothing in text output can drive a
    /// terminal.
    @Test func hostileNamesAreSafe() throws {
        let repo = try ScratchRepository(label: "hostile")
        try repo.write(Array("esc\u{1b}[31mred".utf8), Data("x\n".utf8))
        try repo.write([0x6e, 0xff, 0x0a, 0x6c], Data("y\n".utf8))
        try repo.commit("evil \u{1b}]0;title\u{07} message\n\n\u{1b}[2J body")
        let json = try reviewgate(["inspect", "HEAD", "--format", "json", "--repo", repo.path])
        #expect(json.status == 0)
        #expect(!json.stdout.contains(0x1b))
        #expect(json.out.contains("\"path_hex\":\"6eff0a6c\""))
        let text = try reviewgate(["inspect", "HEAD", "--repo", repo.path])
        #expect(text.status == 0)
        #expect(!text.stdout.contains(0x1b) && !text.stdout.contains(0x07))
        #expect(text.out.contains(#""n\377\nl""#))
    }

    @Test func rangesGiveOneDocumentPerCommit() throws {
        let repo = try Histories.random(seed: 11, commits: 5)
        let result = try reviewgate(["inspect", "HEAD~3..HEAD", "--format", "json", "--repo", repo.path])
        #expect(result.status == 0)
        let lines = result.out.split(separator: "\n")
        #expect(lines.count == 3)
        let expected = try repo.gitOutput(["rev-list", "--reverse", "HEAD~3..HEAD"]).split(separator: "\n")
        for (line, id) in zip(lines, expected) {
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(doc["commit"] as? String == String(id))
        }
    }
}

@Suite struct BadInputTests {
    /// One line on stderr, the exit code of SPEC §2, never a crash.
    func expectCleanFailure(_ result: CommandResult, code: Int32, mentioning text: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == code, "\(result.err)", sourceLocation: sourceLocation)
        #expect(result.err.hasPrefix("reviewgate: error: "), "\(result.err)", sourceLocation: sourceLocation)
        #expect(result.err.split(separator: "\n").count == 1, "\(result.err)", sourceLocation: sourceLocation)
        #expect(result.err.contains(text), "\(result.err)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func notARepository() throws {
        let dir = try Scratch.directory("plain")
        defer { try? FileManager.default.removeItem(at: dir) }
        expectCleanFailure(try reviewgate(["inspect", "HEAD", "--repo", dir.path]), code: 2, mentioning: "not a git repository")
        expectCleanFailure(try reviewgate(["inspect", "HEAD"], in: dir, environment: ["GIT_CEILING_DIRECTORIES": dir.deletingLastPathComponent().path]),
                           code: 2, mentioning: "not a git repository")
        expectCleanFailure(try reviewgate(["inspect", "HEAD", "--repo", dir.path + "/missing"]), code: 2, mentioning: "not a git repository")
    }

    @Test(arguments: [("nope", "bad revision 'nope'"), ("HEAD~99", "bad revision"), ("HEAD^{tree}", "does not name a commit"),
                      ("a..b..c", "bad range")])
    func badRevision(spec: String, message: String) throws {
        let repo = try Histories.random(seed: 12, commits: 2)
        expectCleanFailure(try reviewgate(["inspect", spec, "--repo", repo.path]), code: 2, mentioning: message)
    }

    @Test func missingAndCorruptObjects() throws {
        let repo = try Histories.random(seed: 13, commits: 2)
        let tree = try repo.gitOutput(["rev-parse", "HEAD^{tree}"])
        let object = repo.url.appendingPathComponent(".git/objects/\(tree.prefix(2))/\(tree.dropFirst(2))")
        let saved = try Data(contentsOf: object)
        try FileManager.default.removeItem(at: object)
        expectCleanFailure(try reviewgate(["inspect", "HEAD", "--repo", repo.path]), code: 3, mentioning: "missing")
        try Data("this is not zlib data".utf8).write(to: object)
        expectCleanFailure(try reviewgate(["inspect", "HEAD", "--repo", repo.path]), code: 3, mentioning: tree)
        try saved.write(to: object)
        #expect(try reviewgate(["inspect", "HEAD", "--repo", repo.path]).status == 0)
        // A branch that points at an object the repository does not have.
        try "0123456789abcdef0123456789abcdef01234567\n".write(to: repo.url.appendingPathComponent(".git/refs/heads/broken"),
                                                              atomically: true, encoding: .utf8)
        expectCleanFailure(try reviewgate(["inspect", "broken", "--repo", repo.path]), code: 3, mentioning: "missing")
    }

    @Test func flagsAndHelp() throws {
        let bad = try reviewgate(["inspect", "HEAD", "--no-such-flag"])
        #expect(bad.status == 2)
        #expect(bad.err.contains("--no-such-flag"))
        let version = try reviewgate(["--version"])
        #expect(version.status == 0 && !version.out.isEmpty)
        let help = try reviewgate(["--help"])
        #expect(help.status == 0 && help.out.contains("inspect"))
        #expect(try reviewgate(["inspect", "HEAD", "--format", "xml"]).status == 2)
    }
}

@Suite struct QuarantineTests {
    /// A pre-receive hook runs `reviewgate inspect` on the pushed commit while git still keeps
    /// its objects in the quarantine directory; the binary must see them.
    @Test func inspectSeesThePushQuarantine() throws {
        let server = try ScratchRepository(bare: true, label: "server")
        let hook = server.url.appendingPathComponent("hooks/pre-receive")
        try """
        #!/bin/sh
        [ -n "$GIT_QUARANTINE_PATH" ] || { echo "no quarantine" >&2; exit 1; }
        while read old new ref; do
          "\(Scratch.binary)" inspect "$new" --format json >&2 || exit 1
        done
        """.write(to: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)

        let client = try Histories.random(seed: 14, commits: 3)
        let head = try client.gitOutput(["rev-parse", "HEAD"])
        let push = try run(["git", "push", server.path, "main"], in: client.url)
        #expect(push.status == 0, "\(push.err)")
        #expect(push.err.contains("remote: {\"commit\":\"\(head)\""), "\(push.err)")
        #expect(try server.gitOutput(["rev-parse", "main"]) == head)

        // A hook that fails makes the push fail: the same binary on a bad revision.
        try """
        #!/bin/sh
        "\(Scratch.binary)" inspect no-such-revision || exit 1
        """.write(to: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
        try client.write("more.txt", "more\n")
        try client.commit("more")
        let refused = try run(["git", "push", server.path, "main"], in: client.url)
        #expect(refused.status != 0)
        #expect(refused.err.contains("remote: reviewgate: error: bad revision"), "\(refused.err)")
        #expect(try server.gitOutput(["rev-parse", "main"]) == head)
    }
}
