import Foundation
import ReviewGateTestSupport
import Testing

/// `check`, `scan` and `audit` driven like a user, on real repositories.
@Suite struct SecretCommandTests {
    /// Runs the binary and checks that no secret ever reaches its output.
    func gate(_ arguments: [String], in repo: ScratchRepository, secrets: [String],
              sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        try gate(arguments, in: repo.url, secrets: secrets, sourceLocation: sourceLocation)
    }

    /// The same in any directory.
    func gate(_ arguments: [String], in directory: URL, secrets: [String],
              sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let result = try reviewgate(arguments, in: directory)
        for secret in secrets {
            #expect(!result.out.contains(secret) && !result.err.contains(secret), "a secret was printed", sourceLocation: sourceLocation)
        }
        return result
    }

    func findings(_ result: CommandResult) throws -> [[String: Any]] {
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        return doc["findings"] as? [[String: Any]] ?? []
    }

    @Test func introducedSecretsAndWhatIsNotNew() throws {
        var factory = SecretFactory(seed: 100)
        let token = factory.githubToken()
        let key = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "check")
        try repo.write("app.py", "print('hello')\ntoken = \"\(token)\"\n")
        try repo.commit("base with an old secret")
        let base = try repo.gitOutput(["rev-parse", "HEAD"])
        // Moving the line and renaming the file introduce nothing.
        try repo.write("app.py", "token = \"\(token)\"\nprint('hello')\n")
        try repo.commit("move a line")
        try repo.git(["mv", "app.py", "main.py"])
        try repo.commit("rename")
        // A new secret, removed again in the next commit, is still found where it came in.
        try repo.write("deploy/settings.env", "AWS_ACCESS_KEY_ID=\(key)\n")
        let added = try repo.commit("add deploy settings")
        try repo.remove("deploy/settings.env")
        try repo.commit("oops, remove it")

        let result = try gate(["check", "\(base)..HEAD", "--format", "json"], in: repo, secrets: [token, key])
        #expect(result.status == 1)
        let found = try findings(result)
        #expect(found.count == 1, "\(found)")
        let finding = try #require(found.first)
        #expect(finding["rule"] as? String == "aws-access-key-id")
        #expect(finding["commit"] as? String == added)
        #expect(finding["path"] as? String == "deploy/settings.env")
        #expect(finding["line"] as? Int == 1 && finding["column"] as? Int == 19)
        #expect(finding["location"] as? String == "content")
        #expect((finding["redacted"] as? String)?.hasPrefix(String(key.prefix(4))) == true)
        #expect((finding["fingerprint"] as? String)?.count == 64)

        // Text for people goes to stderr, with the same verdict.
        let text = try gate(["check", "--base", base, "--head", "HEAD"], in: repo, secrets: [token, key])
        #expect(text.status == 1)
        #expect(text.err.contains("aws-access-key-id") && text.err.contains("deploy/settings.env:1:19"))
        #expect(try gate(["check", "HEAD~1..HEAD"], in: repo, secrets: []).status == 0, "removing a secret is fine")
    }

    @Test func messagesMergesBinariesAndLimits() throws {
        var factory = SecretFactory(seed: 101)
        let slack = factory.slackBotToken()
        let stripe = factory.stripeKey()
        let repo = try ScratchRepository(label: "merge")
        try repo.write("README", "hi\n")
        try repo.commit("root")
        let base = try repo.gitOutput(["rev-parse", "HEAD"])
        try repo.git(["checkout", "-q", "-b", "side"])
        try repo.write("side.cfg", "stripe_key: \(stripe)\n")
        try repo.commit("side brings a key")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("main.txt", "main\n")
        try repo.commit("deploy with \(slack) in the message")
        try repo.git(["merge", "-q", "--no-edit", "side"])
        try repo.write(Array("logo.png".utf8), Data([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]) + Data(stripe.utf8))
        try repo.write("big.txt", String(repeating: "padding line\n", count: 200) + "key: \(factory.stripeKey())\n")
        try repo.commit("assets")

        // From the side branch's tip: the merge brings the key from a parent, so it is not new;
        // the binary logo is read (its printable runs), and the file past max_file_bytes cannot
        // be read in full, which refuses the range by default.
        let fromSide = try gate(["check", "side..main", "--format", "json", "--max-file-bytes", "1000"], in: repo, secrets: [slack, stripe])
        let found = try findings(fromSide)
        #expect(fromSide.status == 1)
        #expect(found.filter { $0["kind"] as? String == "secret" }.map { $0["location"] as? String } == ["message", "content"])
        #expect(found.contains { $0["kind"] as? String == "secret" && $0["path"] as? String == "logo.png" })
        let skipped = found.filter { $0["kind"] as? String == "skipped" }
        #expect(skipped.compactMap { $0["reason"] as? String } == ["too-large"])
        #expect(skipped.allSatisfy { $0["severity"] as? String == "error" && $0["path"] as? String == "big.txt" })
        // From the root, the side branch's commit is new and introduces the key.
        let fromRoot = try findings(try gate(["check", "\(base)..main", "--format", "json"], in: repo, secrets: [slack, stripe]))
        #expect(fromRoot.contains { $0["rule"] as? String == "stripe-secret-key" && $0["path"] as? String == "side.cfg" })
        // `[secrets] unscannable = "warning"` lets what cannot be read through, with a trace.
        try Data("version = 1\n[secrets]\nunscannable = \"warning\"\nmax_file_bytes = 1000\n".utf8).write(to: repo.url.appendingPathComponent("lenient.toml"))
        try repo.write("big2.txt", String(repeating: "more padding\n", count: 200))
        try repo.commit("another large file")
        let lenient = try gate(["check", "main~1..main", "--format", "json", "--policy", repo.path + "/lenient.toml"], in: repo, secrets: [])
        #expect(lenient.status == 0)
        let lenientSkips = try findings(lenient)
        #expect(lenientSkips.contains { $0["reason"] as? String == "too-large" && $0["severity"] as? String == "warning" })
    }

    @Test func baselinesAndRuleFiles() throws {
        var factory = SecretFactory(seed: 102)
        let token = factory.githubToken()
        let repo = try ScratchRepository(label: "baseline")
        try repo.write("a.txt", "x\n")
        try repo.commit("root")
        try repo.write("ci.yml", "env:\n  GH_TOKEN: \(token)\n")
        try repo.commit("ci")
        let baseline = repo.url.appendingPathComponent("baseline.txt").path
        #expect(try gate(["check", "HEAD~1..HEAD", "--write-baseline", baseline], in: repo, secrets: [token]).status == 1)
        #expect(try String(contentsOfFile: baseline, encoding: .utf8).contains(where: \.isHexDigit))
        #expect(try gate(["check", "HEAD~1..HEAD", "--baseline", baseline], in: repo, secrets: [token]).status == 0)

        let rules = repo.url.appendingPathComponent("rules.toml")
        try "[[rules]]\nid = \"x\"\nregex = '''(broken'''\n".write(to: rules, atomically: true, encoding: .utf8)
        let bad = try gate(["check", "HEAD~1..HEAD", "--rules", rules.path], in: repo, secrets: [token])
        #expect(bad.status == 2)
        #expect(bad.err.contains("rules.toml:3:9: regex does not compile"), "\(bad.err)")
        let ok = try gate(["rules", "check", rules.path], in: repo, secrets: [])
        #expect(ok.status == 2)
        #expect(try gate(["rules", "check"], in: repo, secrets: []).status == 0)
    }

    @Test func auditFindsFirstIntroductionsTagsAndResumes() throws {
        var factory = SecretFactory(seed: 103)
        let first = factory.githubToken()
        let tagSecret = factory.slackBotToken()
        let later = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "audit")
        try repo.write("a.txt", "token: \(first)\n")
        let introduced = try repo.commit("add")
        try repo.write("b.txt", "again: \(first)\n")
        try repo.commit("copy the same token elsewhere")
        try repo.git(["tag", "-a", "v1", "-m", "release notes\nslack: \(tagSecret)\n"])
        let state = repo.url.appendingPathComponent("audit.state").path
        let run1 = try gate(["audit", "--state", state, "--format", "json"], in: repo, secrets: [first, tagSecret])
        #expect(run1.status == 1)
        let found1 = try findings(run1).filter { $0["kind"] as? String == "secret" }
        #expect(found1.filter { $0["rule"] as? String == "github-pat" }.map { $0["commit"] as? String } == [introduced],
                "reported once, at the first commit")
        #expect(found1.contains { $0["rule"] as? String == "slack-bot-token" && $0["location"] as? String == "message" })
        // A second run examines nothing new and still reports what was found.
        let run2 = try gate(["audit", "--state", state, "--format", "json"], in: repo, secrets: [first, tagSecret])
        let doc2 = try #require(try JSONSerialization.jsonObject(with: run2.stdout) as? [String: Any])
        #expect(doc2["commits_examined"] as? Int == 0)
        #expect(try findings(run2).count == found1.count)
        try repo.write("c.txt", "k = \(later)\n")
        try repo.commit("more")
        let run3 = try gate(["audit", "--state", state, "--format", "json"], in: repo, secrets: [first, tagSecret, later])
        let doc3 = try #require(try JSONSerialization.jsonObject(with: run3.stdout) as? [String: Any])
        #expect(doc3["commits_examined"] as? Int == 1)
        #expect(try findings(run3).count == found1.count + 1)
        // --refs limits the refs walked.
        let onlyTags = try gate(["audit", "--refs", "refs/tags/*", "--format", "json"], in: repo, secrets: [first, tagSecret, later])
        #expect(try findings(onlyTags).contains { $0["rule"] as? String == "github-pat" })
        #expect(try !findings(onlyTags).contains { $0["rule"] as? String == "aws-access-key-id" })
    }

    @Test func scanFilesAndTheStagedChange() throws {
        var factory = SecretFactory(seed: 104)
        let visible = factory.stripeKey()
        let ignored = factory.githubToken()
        let outside = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "scan")
        try repo.write(".gitignore", "secrets.local\nbuild/\n")
        try repo.write("src/config.js", "const stripe = '\(visible)';\n")
        try repo.write("secrets.local", "token=\(ignored)\n")
        try repo.write("build/out.txt", "token=\(ignored)\n")
        let elsewhere = try Scratch.directory("elsewhere")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        try "aws = \(outside)\n".write(to: elsewhere.appendingPathComponent("keys.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: repo.url.appendingPathComponent("link").path, withDestinationPath: elsewhere.path)
        let result = try gate(["scan", "--format", "json"], in: repo, secrets: [visible, ignored, outside])
        #expect(result.status == 1)
        let found = try findings(result).filter { $0["kind"] as? String == "secret" }
        #expect(found.map { $0["path"] as? String } == ["src/config.js"], "\(found)")
        let one = try gate(["scan", "secrets.local", "--format", "json"], in: repo, secrets: [ignored])
        #expect(try findings(one).count == 1, "a file named explicitly is scanned")

        try repo.git(["add", "src/config.js", ".gitignore"])
        try repo.git(["commit", "-q", "-m", "base"])
        #expect(try gate(["scan", "--staged"], in: repo, secrets: [visible]).status == 0, "nothing staged")
        try repo.write("src/config.js", "const stripe = '\(visible)';\nconst other = '\(outside)';\n")
        try repo.git(["add", "src/config.js"])
        let staged = try gate(["scan", "--staged", "--format", "json"], in: repo, secrets: [visible, outside])
        #expect(staged.status == 1)
        #expect(try findings(staged).map { $0["rule"] as? String } == ["aws-access-key-id"], "only what the index adds")
        // Ignore rules leave out untracked files only: one added with `git add -f` is scanned,
        // as is the ignored directory that holds it (its untracked files still are not).
        try repo.write("build/other.txt", "token=\(ignored)\n")
        try repo.git(["add", "-f", "build/out.txt"])
        try repo.git(["commit", "-q", "-m", "forced"])
        let forced = try gate(["scan", "--format", "json"], in: repo, secrets: [visible, ignored, outside])
        let paths = try findings(forced).filter { $0["kind"] as? String == "secret" }.compactMap { $0["path"] as? String }
        #expect(Set(paths) == ["src/config.js", "build/out.txt"], "\(paths)")
    }

    /// A tree read and scanned on every core at once (directories and batches of files shared
    /// by the workers): every file is read once, in a deep chain of directories and in one
    /// wide directory alike, findings come out in path order, and neither a symlinked file nor
    /// a symlinked directory is followed.
    @Test func scanOfAWideAndDeepTree() throws {
        var factory = SecretFactory(seed: 106)
        let root = try Scratch.directory("scan-tree")
        defer { try? FileManager.default.removeItem(at: root) }
        let outside = try Scratch.directory("scan-tree-outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        let hidden = factory.githubToken()
        try "token=\(hidden)\n".write(to: outside.appendingPathComponent("keys.env"), atomically: true, encoding: .utf8)
        var secrets: [String] = [hidden]
        var expected: [String] = []
        var files = 0
        // 40 directories, 5 deep each way, and one directory of 300 files.
        for branch in 0..<8 {
            var path = "b\(branch)"
            for depth in 0..<5 {
                path += "/d\(depth)"
                let dir = root.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try "plain text \(branch) \(depth)\n".write(to: dir.appendingPathComponent("readme.txt"), atomically: true, encoding: .utf8)
                files += 1
                if depth == 4 {
                    let secret = factory.awsAccessKey()
                    secrets.append(secret)
                    try "aws = \(secret)\n".write(to: dir.appendingPathComponent("keys.cfg"), atomically: true, encoding: .utf8)
                    files += 1
                    expected.append("\(path)/keys.cfg")
                }
            }
        }
        let wide = root.appendingPathComponent("wide")
        try FileManager.default.createDirectory(at: wide, withIntermediateDirectories: true)
        for i in 0..<300 {
            let name = String(format: "f%03d.txt", i)
            if i % 97 == 5 {
                let secret = factory.githubToken()
                secrets.append(secret)
                try "token=\(secret)\n".write(to: wide.appendingPathComponent(name), atomically: true, encoding: .utf8)
                expected.append("wide/\(name)")
            } else {
                try "nothing here \(i)\n".write(to: wide.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            files += 1
        }
        // Files read in one piece, in two (past the first read), and in windows (past 8 MiB),
        // each with its secret at the end.
        for (name, size) in [("small.cfg", 100), ("medium.log", 200_000), ("large.log", 9 << 20)] {
            let secret = factory.githubToken()
            secrets.append(secret)
            let filler = String(repeating: "an ordinary log line without anything secret in it\n", count: size / 52 + 1)
            try (filler + "token=\(secret)\n").write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8)
            files += 1
            expected.append(name)
        }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("linked.env").path,
                                                   withDestinationPath: outside.appendingPathComponent("keys.env").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("b0/linked-dir").path, withDestinationPath: outside.path)
        for _ in 0..<3 {
            let result = try gate(["scan", root.path, "--format", "json"], in: root, secrets: secrets)
            #expect(result.status == 1)
            let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            #expect(doc["blobs_scanned"] as? Int == files)
            let paths = try findings(result).filter { $0["kind"] as? String == "secret" }.compactMap { $0["path"] as? String }
            #expect(paths == expected.sorted().map { root.path + "/" + $0 }, "\(paths)")
        }
    }

    /// Parents stay open while their subdirectories wait to be read; past a quarter of the
    /// descriptor limit, a subdirectory is opened by its path instead: a tree 300 levels deep,
    /// with a sibling waiting at every level, is read whole under a limit of 128 descriptors.
    @Test func scanOfATreeDeeperThanTheDirectoriesKeptOpen() throws {
        var factory = SecretFactory(seed: 109)
        let secret = factory.githubToken()
        let root = try Scratch.directory("scan-deep")
        var path = root
        for level in 0..<300 {
            let sibling = path.appendingPathComponent("s")
            try FileManager.default.createDirectory(at: sibling, withIntermediateDirectories: true)
            try "level \(level)\n".write(to: sibling.appendingPathComponent("f.txt"), atomically: true, encoding: .utf8)
            path = path.appendingPathComponent("d")
        }
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        try "token=\(secret)\n".write(to: path.appendingPathComponent("deep.env"), atomically: true, encoding: .utf8)
        // With 128 descriptors, keeping all 300 parents open would fail: the cap must hold.
        let result = try run(["sh", "-c", "ulimit -n 128 && exec \"$0\" \"$@\"", Scratch.binary, "scan", root.path, "--format", "json"],
                             in: root)
        #expect(!result.out.contains(secret) && !result.err.contains(secret))
        #expect(result.status == 1, "\(result.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(doc["blobs_scanned"] as? Int == 301)
        let found = try findings(result)
        #expect(found.count == 1 && found.first?["rule"] as? String == "github-pat", "\(found.prefix(3))")
    }

    /// A token as a file's name, a directory's name or an archive member's name is a finding
    /// (location `path`), and no output shows it: every path is redacted, in text and JSON.
    @Test func scanFindsSecretsInNames() throws {
        var factory = SecretFactory(seed: 108)
        let (file, directory, member) = (factory.githubToken(), factory.githubToken(), factory.githubToken())
        let root = try Scratch.directory("scan-names")
        try "nothing here\n".write(to: root.appendingPathComponent("\(file).env"), atomically: true, encoding: .utf8)
        let sub = root.appendingPathComponent(directory).appendingPathComponent("conf")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try "plain\n".write(to: sub.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try TestArchive.make(.zipDeflate, [("cfg/\(member).json", Data("{}\n".utf8))]).write(to: root.appendingPathComponent("bundle.zip"))
        for format in ["json", "text"] {
            let result = try gate(["scan", root.path, "--format", format], in: root, secrets: [file, directory, member])
            #expect(result.status == 1)
            guard format == "json" else { continue }
            let found = try findings(result).filter { $0["kind"] as? String == "secret" }
            #expect(found.count == 3, "\(found)")
            #expect(found.allSatisfy { $0["location"] as? String == "path" && $0["rule"] as? String == "github-pat" })
            #expect(found.contains { ($0["path"] as? String)?.hasSuffix("bundle.zip!cfg/ghp_…\(member.suffix(2)).json") == true })
        }
    }

    /// SPEC §1.3: a file over `max_file_bytes` is a skipped finding at the `unscannable`
    /// severity, not read, however small the limit (below the size of a scan's first read too).
    @Test func scanRefusesFilesOverTheLimit() throws {
        var factory = SecretFactory(seed: 107)
        let secret = factory.githubToken()
        let root = try Scratch.directory("scan-limit")
        defer { try? FileManager.default.removeItem(at: root) }
        try (String(repeating: "ordinary text\n", count: 300) + "token=\(secret)\n").write(
            to: root.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        // Past the first read: its size is asked before anything more is read.
        try (String(repeating: "ordinary text\n", count: 8000) + "token=\(secret)\n").write(
            to: root.appendingPathComponent("big.log"), atomically: true, encoding: .utf8)
        try "short\n".write(to: root.appendingPathComponent("small.txt"), atomically: true, encoding: .utf8)
        let result = try gate(["scan", root.path, "--format", "json", "--max-file-bytes", "1024"], in: root, secrets: [secret])
        #expect(result.status == 1)
        let found = try findings(result).map { "\(($0["path"] as? String ?? "").split(separator: "/").last ?? "") \($0["kind"] as? String ?? "") \($0["reason"] as? String ?? "-") \($0["severity"] as? String ?? "")" }
        #expect(found == ["big.log skipped too-large error", "notes.txt skipped too-large error"], "\(found)")
    }

    /// `scan` and `scan --staged` keep suppressed matches as notes (SPEC §1.3: never silent),
    /// pass with them, and `--write-baseline` leaves out what a marker or allowlist suppressed.
    @Test func scanReportsSuppressedMatchesAsNotes() throws {
        var factory = SecretFactory(seed: 105)
        let marked = factory.githubToken()
        let accepted = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "scan-notes")
        try repo.write("a.env", "TOKEN=\(marked) # reviewgate:allow\n")
        try repo.write("b.env", "AWS_ACCESS_KEY_ID=\(accepted)\n")
        let baseline = repo.url.appendingPathComponent("baseline.txt").path
        #expect(try gate(["scan", "b.env", "--write-baseline", baseline, "--format", "json"], in: repo, secrets: [accepted]).status == 1)
        let result = try gate(["scan", "a.env", "b.env", "--baseline", baseline, "--format", "json"], in: repo, secrets: [marked, accepted])
        #expect(result.status == 0, "\(result.out)")
        let notes = try findings(result).map { "\($0["path"] as? String ?? "?") \($0["severity"] as? String ?? "?") \($0["suppressed"] as? String ?? "-")" }
        #expect(notes.sorted() == ["a.env note inline", "b.env note baseline"], "\(notes)")
        let rewritten = repo.url.appendingPathComponent("rewritten.txt").path
        _ = try gate(["scan", "a.env", "b.env", "--baseline", baseline, "--write-baseline", rewritten], in: repo, secrets: [marked, accepted])
        #expect(try String(contentsOfFile: rewritten, encoding: .utf8) == String(contentsOfFile: baseline, encoding: .utf8),
                "the inline-suppressed value is not written into the baseline")

        try repo.git(["add", "a.env"])
        try repo.git(["commit", "-q", "-m", "base"])
        try repo.write("c.env", "OTHER=\(factory.githubToken()) # reviewgate:allow\n")
        try repo.git(["add", "c.env"])
        let staged = try gate(["scan", "--staged", "--format", "json"], in: repo, secrets: [marked])
        #expect(staged.status == 0)
        #expect(try findings(staged).map { "\($0["path"] as? String ?? "?") \($0["suppressed"] as? String ?? "-")" } == ["c.env inline"],
                "only the note the index adds")
    }
}

@Suite struct PreCommitHookTests {
    /// The shipped hooks/pre-commit refuses a commit that adds a secret, and lets others by.
    @Test func refusesSecretsAndFailsClosed() throws {
        var factory = SecretFactory(seed: 105)
        let token = factory.githubToken()
        let repo = try ScratchRepository(label: "precommit")
        let hook = repo.url.appendingPathComponent(".git/hooks/pre-commit")
        try FileManager.default.copyItem(at: Scratch.packageRoot.appendingPathComponent("hooks/pre-commit"), to: hook)
        let env = ["REVIEWGATE_BIN": Scratch.binary]
        try repo.write("ok.txt", "fine\n")
        try repo.git(["add", "-A"])
        #expect(try run(["git", "commit", "-q", "-m", "fine"], in: repo.url, environment: env).status == 0)
        try repo.write("leak.txt", "token: \(token)\n")
        try repo.git(["add", "-A"])
        let refused = try run(["git", "commit", "-q", "-m", "leak"], in: repo.url, environment: env)
        #expect(refused.status != 0)
        #expect(refused.err.contains("github-pat") && !refused.err.contains(token))
        let missing = try run(["git", "commit", "-q", "-m", "leak"], in: repo.url, environment: ["REVIEWGATE_BIN": "/nonexistent/reviewgate"])
        #expect(missing.status != 0 && missing.err.contains("not found"))
    }
}

@Suite struct SecretEdgeCaseTests {
    @Test func emptyCommitsAndEmptyRanges() throws {
        let repo = try ScratchRepository(label: "empty")
        try repo.write("a.txt", "a\n")
        try repo.commit("root")
        try repo.commit("nothing", allowEmpty: true)
        let empty = try reviewgate(["check", "HEAD~1..HEAD", "--format", "json"], in: repo.url)
        #expect(empty.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: empty.stdout) as? [String: Any])
        #expect(doc["commits_examined"] as? Int == 1 && doc["decision"] as? String == "accept")
        let none = try reviewgate(["check", "HEAD..HEAD", "--format", "json"], in: repo.url)
        #expect(none.status == 0)
        #expect(try reviewgate(["check"], in: repo.url, environment: ["GITHUB_BASE_REF": "", "CI_MERGE_REQUEST_DIFF_BASE_SHA": ""]).status == 2,
                "no range and no CI context is a usage error")
    }

    /// In a GitHub Actions pull request the range comes from the environment.
    @Test func githubActionsContext() throws {
        var factory = SecretFactory(seed: 106)
        let key = factory.awsAccessKey()
        let origin = try ScratchRepository(label: "origin")
        try origin.write("a.txt", "a\n")
        try origin.commit("root")
        let clone = try Scratch.directory("clone")
        defer { try? FileManager.default.removeItem(at: clone) }
        try run(["git", "clone", "-q", origin.path, clone.path])
        let work = try ScratchRepository(wrapping: clone)
        try work.write("k.txt", "id = \(key)\n")
        let head = try work.commit("pr")
        let result = try reviewgate(["check", "--format", "json"], in: clone,
                                    environment: ["GITHUB_BASE_REF": "main", "GITHUB_SHA": head])
        #expect(result.status == 1)
        #expect(!result.out.contains(key))
    }
}

@Suite struct MergeIntroductionTests {
    /// A conflict resolution that keeps a value from the second parent does not introduce it;
    /// a value that appears only in the resolution does.
    @Test func resolutionsKeepingASideAreNotNew() throws {
        var factory = SecretFactory(seed: 107)
        let fromSide = factory.stripeKey()
        let inMerge = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "merge-intro")
        try repo.write("conf.txt", "a\nb\nc\n")
        try repo.commit("base")
        try repo.git(["checkout", "-q", "-b", "side"])
        try repo.write("conf.txt", "a\nkey: \(fromSide)\nc\n")
        try repo.commit("side adds a key")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("conf.txt", "a\nmain\nc\n")
        try repo.commit("main edits")
        _ = try? repo.git(["merge", "-q", "--no-edit", "side"])
        try repo.write("conf.txt", "a\nkey: \(fromSide)\nmain\nc\n")
        try repo.commit("resolve keeping both")
        let keep = try reviewgate(["check", "side..main", "--format", "json"], in: repo.url)
        #expect(keep.status == 0, "\(keep.out)")
        try repo.git(["checkout", "-q", "-b", "second", "main~1"])
        _ = try? repo.git(["merge", "-q", "--no-edit", "side"])
        try repo.write("conf.txt", "a\nkey: \(fromSide)\nid: \(inMerge)\nc\n")
        try repo.commit("resolve adding another key")
        let added = try reviewgate(["check", "side..second", "--format", "json"], in: repo.url)
        #expect(added.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: added.stdout) as? [String: Any])
        let rules = (doc["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        #expect(rules == ["aws-access-key-id"])
    }
}

/// Cases found by review: each failed before its fix.
@Suite struct ReviewFindingTests {
    @Test func inspectRedactsSecretsInMessages() throws {
        var factory = SecretFactory(seed: 108)
        let token = factory.githubToken()
        let repo = try ScratchRepository(label: "inspect-secret")
        try repo.write("a", "a\n")
        try repo.commit("deploy with \(token)")
        let text = try reviewgate(["inspect", "HEAD", "--repo", repo.path])
        #expect(text.status == 0)
        #expect(!text.out.contains(token) && text.out.contains("ghp_…"))
    }

    @Test func symlinkTargetsAreContent() throws {
        var factory = SecretFactory(seed: 109)
        let key = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "symlink-secret")
        try repo.write("a", "a\n")
        try repo.commit("base")
        try repo.symlink("link", to: "id=\(key)")
        try repo.commit("a link")
        let result = try reviewgate(["check", "HEAD~1..HEAD"], in: repo.url)
        #expect(result.status == 1 && result.err.contains("aws-access-key-id") && !result.err.contains(key))
    }

    @Test func privateKeyFarAfterAnotherKeyword() throws {
        var factory = SecretFactory(seed: 110)
        let dir = try Scratch.directory("pem")
        defer { try? FileManager.default.removeItem(at: dir) }
        let body = (0..<8).map { _ in factory.alnum(64) }.joined(separator: "\n")
        let pem = "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
            + String(repeating: "filler\n", count: 490)
            + "-----BEGIN RSA " + "PRIVATE KEY-----\n" + body + "\n-----END RSA " + "PRIVATE KEY-----\n"
        try pem.write(to: dir.appendingPathComponent("bundle.pem"), atomically: true, encoding: .utf8)
        let result = try reviewgate(["scan", dir.appendingPathComponent("bundle.pem").path])
        #expect(result.status == 1 && result.err.contains("private-key"))
    }

    @Test func auditStateWithAVanishedTip() throws {
        let repo = try Histories.random(seed: 111, commits: 3)
        let state = repo.url.appendingPathComponent("state.json")
        try #"{"version":1,"tips":["0123456789abcdef0123456789abcdef01234567"],"tags":[],"findings":[]}"#
            .write(to: state, atomically: true, encoding: .utf8)
        let result = try reviewgate(["audit", "--state", state.path, "--format", "json"], in: repo.url)
        #expect(result.status == 0, "\(result.err)")
        #expect(result.err.contains("no longer in the repository"))
    }
}

@Suite struct AllowlistMoveTests {
    /// A value allowlisted where it stood (a test fixture) is new when a commit moves it where
    /// it is not allowlisted.
    @Test func movingOutOfAnAllowlistedPathIntroduces() throws {
        var factory = SecretFactory(seed: 112)
        let key = factory.awsAccessKey()
        let repo = try ScratchRepository(label: "launder")
        let rules = repo.url.appendingPathComponent("rules.toml")
        try "[extend]\nuseDefault = true\n[[allowlists]]\npaths = ['''^testdata/''']\n".write(to: rules, atomically: true, encoding: .utf8)
        try repo.write("testdata/fixture.txt", "id = \(key)\n")
        try repo.commit("fixture")
        #expect(try reviewgate(["audit", "--rules", rules.path], in: repo.url).status == 0, "allowlisted where it is")
        try FileManager.default.createDirectory(at: repo.url.appendingPathComponent("src"), withIntermediateDirectories: true)
        try repo.git(["mv", "testdata/fixture.txt", "src/config.txt"])
        try repo.commit("move into the code")
        let moved = try reviewgate(["check", "HEAD~1..HEAD", "--rules", rules.path, "--format", "json"], in: repo.url)
        #expect(moved.status == 1)
        #expect(moved.out.contains("src/config.txt") && !moved.out.contains(key))
        // A plain rename elsewhere is still nothing new.
        try repo.git(["mv", "src/config.txt", "src/settings.txt"])
        try repo.commit("rename")
        #expect(try reviewgate(["check", "HEAD~1..HEAD", "--rules", rules.path], in: repo.url).status == 0)
    }
}

@Suite struct RegexLimitTests {
    /// A line on which a rule gives up is reported as a warning; the token after it is found.
    @Test func giveUpsAreWarningsAndDoNotHideLaterLines() throws {
        let dir = try Scratch.directory("limit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("slow.toml")
        try "[[rules]]\nid = \"slow\"\nregex = '''(?:(?:x+x+)+y)|(tok_[a-z0-9]{12})'''\nkeywords = [\"x\", \"tok_\"]\n"
            .write(to: rules, atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("input.txt")
        try (String(repeating: "x", count: 60) + "\nvalue tok_" + "a1b2c3d4e5f6\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try reviewgate(["scan", file.path, "--rules", rules.path, "--format", "json"])
        #expect(result.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = doc["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["reason"] as? String == "regex-limit" && $0["severity"] as? String == "warning" })
        #expect(findings.contains { $0["rule"] as? String == "slow" && $0["line"] as? Int == 2 })
    }
}
