import Foundation
@testable import Git
import ReviewGateTestSupport
import Testing

@Suite struct RevisionTests {
    @Test func resolvesWhatGitResolves() throws {
        let scratch = try Histories.everyKindOfChange()
        try scratch.git(["tag", "-a", "-m", "release one", "v1", "HEAD~3"])
        try scratch.git(["tag", "light", "HEAD~2"])
        let repo = try Repository(path: scratch.path)
        for spec in ["HEAD", "main", "side", "v1", "light", "HEAD~2", "HEAD^2", "main~5", "refs/heads/evil"] {
            let expected = try scratch.gitOutput(["rev-parse", "\(spec)^{commit}"])
            #expect(try repo.resolveCommit(spec).hex == expected, "\(spec)")
        }
        let full = try scratch.gitOutput(["rev-parse", "HEAD~4"])
        #expect(try repo.resolveCommit(String(full.prefix(10))).hex == full)
        let range = try repo.resolveRange("HEAD~3..main")
        #expect(range.from.hex == (try scratch.gitOutput(["rev-parse", "HEAD~3"])))
        #expect(range.to.hex == (try scratch.gitOutput(["rev-parse", "main"])))
    }

    @Test(arguments: ["nope", "HEAD~999", "0123456789abcdef0123456789abcdef01234567", "main..nope", ""])
    func unknownRevisionsAreClearErrors(spec: String) throws {
        let scratch = try Histories.random(seed: 9, commits: 2)
        let repo = try Repository(path: scratch.path)
        #expect {
            if spec.contains("..") { _ = try repo.resolveRange(spec) } else { _ = try repo.resolveCommit(spec) }
        } throws: { error in
            guard let error = error as? GitError else { return false }
            return error.kind == .notFound || error.kind == .invalidSpec
        }
    }

    @Test func treeIsNotACommit() throws {
        let scratch = try Histories.random(seed: 9, commits: 2)
        let repo = try Repository(path: scratch.path)
        #expect(throws: GitError.self) { try repo.resolveCommit("HEAD^{tree}") }
    }
}

@Suite struct HistoryTests {
    /// New commits of ref updates against `git rev-list NEW... --not EXISTING...`.
    @Test func newCommitsMatchRevList() throws {
        let scratch = try Histories.everyKindOfChange()
        let repo = try Repository(path: scratch.path)
        let cases: [([String], [String])] = [
            (["main"], []),
            (["main"], ["side"]),
            (["main", "evil", "o1"], ["HEAD~1"]),
            (["side", "o2"], ["main"]),
            (["main"], ["main"]),
            (["o1", "o1", "o2"], ["side", "evil"]),
        ]
        for (tips, hidden) in cases {
            let expected = try scratch.gitOutput(["rev-list"] + tips + ["--not"] + hidden)
                .split(separator: "\n").map(String.init)
            let ids = try repo.newCommits(tips: tips.map { try repo.resolveCommit($0) },
                                          excluding: hidden.map { try repo.resolveCommit($0) })
            #expect(Set(ids.map(\.hex)) == Set(expected), "\(tips) --not \(hidden)")
            #expect(ids.count == expected.count, "each commit once")
            // Parents come before their children, so a walk can attribute things to the first.
            let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            for id in ids {
                for parent in try repo.commit(id).parents {
                    if let p = position[parent] { #expect(p < position[id]!) }
                }
            }
            // Deterministic: the same answer every time.
            #expect(try repo.newCommits(tips: tips.map { try repo.resolveCommit($0) },
                                        excluding: hidden.map { try repo.resolveCommit($0) }) == ids)
        }
    }

    @Test func zeroIdsAndTagsArePeeledOrSkipped() throws {
        let scratch = try Histories.random(seed: 5, commits: 3)
        try scratch.git(["tag", "-a", "-m", "t", "t1", "HEAD~1"])
        let blob = try scratch.gitOutput(["hash-object", "-w", "--stdin"])
        try scratch.git(["tag", "-a", "-m", "blob tag", "tb", blob])
        let repo = try Repository(path: scratch.path)
        let tag = try #require(try repo.reference(named: "refs/tags/t1"))
        let blobTag = try #require(try repo.reference(named: "refs/tags/tb"))
        let ids = try repo.newCommits(tips: [tag, .zero, blobTag], excluding: [.zero])
        #expect(ids.count == 3)
        #expect(try repo.newCommits(tips: [.zero], excluding: []).isEmpty)
    }
}

@Suite struct CommitTests {
    @Test func metadataMatchesGit() throws {
        let scratch = try Histories.everyKindOfChange()
        let repo = try Repository(path: scratch.path)
        for hex in try scratch.allCommits() {
            let commit = try repo.commit(#require(ObjectID(hex: hex)))
            let fields = try scratch.gitOutput(["show", "-s", "--format=%T%n%P%n%an%n%ae%n%at%n%cn%n%ce%n%ct", hex])
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(commit.tree.hex == fields[0])
            #expect(commit.parents.map(\.hex).joined(separator: " ") == fields[1])
            #expect(commit.author.name == fields[2] && commit.author.email == fields[3])
            #expect(String(commit.author.time) == fields[4] && commit.author.offsetMinutes == 60)
            #expect(commit.committer.name == fields[5] && commit.committer.email == fields[6])
            #expect(String(commit.committer.time) == fields[7])
            let raw = try scratch.git(["cat-file", "commit", hex]).stdout
            let blank = raw.firstRange(of: Data("\n\n".utf8))!
            #expect(Data(commit.message) == raw[blank.upperBound...])
            #expect(Data(commit.rawHeader) == raw[...blank.lowerBound])
            #expect(commit.signature == nil)
        }
    }

    @Test func messagesKeepEveryByte() throws {
        let scratch = try Histories.random(seed: 3, commits: 1)
        let tree = try scratch.gitOutput(["rev-parse", "HEAD^{tree}"])
        let message = Data([0x62, 0x61, 0x64, 0xff, 0x00, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a])
        let id = try scratch.git(["hash-object", "-t", "commit", "-w", "--stdin", "--literally"], input:
            Data("tree \(tree)\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 -0130\n\n".utf8) + message).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try Repository(path: scratch.path).commit(#require(ObjectID(hex: id)))
        #expect(commit.message == Array(message))
        #expect(commit.committer.offsetMinutes == -90)
        #expect(commit.parents.isEmpty)
    }

    @Test func sshSignatureAndItsPayload() throws {
        let scratch = try Histories.random(seed: 4, commits: 1)
        let key = try SSHKey()
        try scratch.write("signed.txt", "s\n")
        try scratch.git(["add", "-A"])
        try scratch.git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key.privateKeyPath)", "commit", "-q", "-S", "-m", "signed"])
        let hex = try scratch.gitOutput(["rev-parse", "HEAD"])
        let commit = try Repository(path: scratch.path).commit(#require(ObjectID(hex: hex)))
        let signature = try #require(commit.signature)
        #expect(signature.format == .ssh)
        #expect(String(decoding: signature.signature, as: UTF8.self).hasSuffix("-----END SSH SIGNATURE-----\n"))
        // The payload is the commit without its gpgsig header: what ssh-keygen verifies.
        let verify = try key.verify(signature: signature.signature, payload: signature.signedPayload, namespace: "git")
        #expect(verify.status == 0, "\(verify.err)")
        #expect(!String(decoding: signature.signedPayload, as: UTF8.self).contains("gpgsig"))
    }
}

@Suite struct ObjectTests {
    @Test func blobsTagsRefsAndNotes() throws {
        let scratch = try Histories.random(seed: 6, commits: 2)
        try scratch.write("bin.dat", "")
        try scratch.write(Array("bin.dat".utf8), Data([1, 2, 0, 3]) + Data(repeating: 65, count: 9000))
        try scratch.write("late-nul.dat", "")
        try scratch.write(Array("late-nul.dat".utf8), Data(repeating: 65, count: 8000) + Data([0]))
        let head = try scratch.commit("binaries")
        try scratch.git(["tag", "-a", "-m", "Release notes\n\nline two", "v2"])
        try scratch.git(["notes", "--ref=reviewgate", "add", "-m", "approval text", head])
        let repo = try Repository(path: scratch.path)
        let binID = try #require(ObjectID(hex: scratch.gitOutput(["rev-parse", "HEAD:bin.dat"])))
        let lateID = try #require(ObjectID(hex: scratch.gitOutput(["rev-parse", "HEAD:late-nul.dat"])))
        #expect(try repo.blob(binID).isBinary)
        #expect(try !repo.blob(lateID).isBinary, "a NUL after the first 8000 bytes is text to git")
        #expect(try repo.header(binID) == (.blob, 9004))
        let tagID = try #require(try repo.reference(named: "refs/tags/v2"))
        let tag = try repo.annotatedTag(tagID)
        #expect(tag.name == "v2" && tag.target.hex == head && tag.targetType == .commit)
        #expect(String(decoding: tag.message, as: UTF8.self) == "Release notes\n\nline two\n")
        #expect(tag.tagger?.email == "cy@example.com")
        let note = try repo.note(for: #require(ObjectID(hex: head)), notesRef: "refs/notes/reviewgate")
        #expect(note.map { String(decoding: $0, as: UTF8.self) } == "approval text\n")
        #expect(try repo.note(for: binID, notesRef: "refs/notes/reviewgate") == nil)
        #expect(try repo.note(for: binID, notesRef: "refs/notes/absent") == nil)
        let tags = try repo.references(matching: "refs/tags/*").map(\.name)
        #expect(tags == ["refs/tags/v2"])
        let all = try repo.references().map(\.name)
        #expect(all.contains("refs/heads/main") && all.contains("refs/notes/reviewgate"))
    }

    /// git fans notes out into `ab/cdef…` subtrees once there are many.
    @Test func notesInFannedOutTrees() throws {
        let scratch = try Histories.random(seed: 7, commits: 1)
        // 300 objects with notes: hash 300 distinct blobs, then note each.
        var ids: [String] = []
        for i in 0..<300 {
            ids.append(try scratch.git(["hash-object", "-w", "--stdin"], input: Data("object \(i)\n".utf8)).out
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for (i, id) in ids.enumerated() {
            try scratch.git(["notes", "--ref=many", "add", "-m", "note \(i)", id])
        }
        let tree = try scratch.gitOutput(["ls-tree", "refs/notes/many"])
        #expect(tree.contains("tree"), "git has fanned the notes out")
        let repo = try Repository(path: scratch.path)
        for (i, id) in ids.enumerated() where i % 37 == 0 {
            let note = try repo.note(for: #require(ObjectID(hex: id)), notesRef: "refs/notes/many")
            #expect(note.map { String(decoding: $0, as: UTF8.self) } == "note \(i)\n")
        }
    }
}

/// The pack reader and libgit2 read one object store: a repository opened by path reads its
/// own objects, whatever `GIT_OBJECT_DIRECTORY` says (only `fromEnvironment` heeds it).
@Suite(.serialized) struct ObjectsDirectoryTests {
    @Test func byPathIgnoresTheEnvironment() throws {
        let own = try Histories.random(seed: 61, commits: 6)
        try own.git(["repack", "-adq"])
        let other = try Histories.random(seed: 62, commits: 6)
        try other.write("only-there.txt", "in the other repository alone\n")
        try other.commit("only there")
        try other.git(["repack", "-adq"])
        let ownIDs = try own.gitOutput(["rev-list", "--objects", "--all"]).split(separator: "\n").map { String($0.prefix(40)) }
        let otherOnly = try Set(other.gitOutput(["rev-list", "--objects", "--all"]).split(separator: "\n").map { String($0.prefix(40)) })
            .subtracting(ownIDs)
        #expect(!otherOnly.isEmpty)

        setenv("GIT_OBJECT_DIRECTORY", other.path + "/.git/objects", 1)
        defer { unsetenv("GIT_OBJECT_DIRECTORY") }
        let repo = try Repository(path: own.path)
        #expect(URL(fileURLWithPath: repo.objectsDirectory).resolvingSymlinksInPath()
                == URL(fileURLWithPath: own.path + "/.git/objects").resolvingSymlinksInPath())
        for hex in ownIDs {
            let id = try #require(ObjectID(hex: hex))
            let (type, bytes) = try repo.object(id)
            let expected = try own.git(["cat-file", type.description, hex]).stdout
            #expect(Data(bytes) == expected, "\(hex)")
        }
        for hex in otherOnly {
            let id = try #require(ObjectID(hex: hex))
            let error = #expect(throws: GitError.self) { _ = try repo.object(id) }
            #expect(error?.kind == .missingObject, "\(hex) read from the other repository")
            #expect(throws: GitError.self) { _ = try repo.header(id) }
        }
        // Its own packs are read directly: objects come back in their pack order.
        let packDir = URL(fileURLWithPath: own.path + "/.git/objects/pack")
        let idx = try #require(try FileManager.default.contentsOfDirectory(atPath: packDir.path).first { $0.hasSuffix(".idx") })
        let byOffset = try own.git(["show-index"], input: Data(contentsOf: packDir.appendingPathComponent(idx))).out
            .split(separator: "\n").map { $0.split(separator: " ") }.sorted { UInt64($0[0])! < UInt64($1[0])! }.map { String($0[1]) }
        var rng = SplitMix(seed: 3)
        #expect(repo.packOrder(byOffset.compactMap { ObjectID(hex: $0) }.shuffled(using: &rng)).map(\.hex) == byOffset)
    }
}

@Suite struct HistoryWalkTests {
    /// Histories with branches, merges and commit dates out of order, against git rev-list.
    @Test(arguments: Array(1...8) as [UInt64])
    func skewedDatesMatchRevList(seed: UInt64) throws {
        let scratch = try ScratchRepository(label: "skew")
        var rng = SplitMix(seed: seed)
        var branches = ["main"]
        try scratch.write("f", "0\n")
        try scratch.commit("root")
        for i in 0..<40 {
            let date = "\(1_700_000_000 + Int(rng.next() % 100_000)) +0000"
            let env = ["GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date]
            switch rng.next() % 4 {
            case 0:
                let name = "b\(i)"
                try scratch.git(["branch", name])
                branches.append(name)
            case 1 where branches.count > 1:
                let other = branches[1 + Int(rng.next() % UInt64(branches.count - 1))]
                _ = try? scratch.git(["merge", "-q", "--no-ff", "--no-edit", "-X", "theirs", other], environment: env)
            default:
                let branch = branches[Int(rng.next() % UInt64(branches.count))]
                try scratch.git(["checkout", "-q", branch])
                try scratch.write("f-\(branch)", "\(i) \(rng.next())\n")
                try scratch.commit("c\(i)", environment: env)
            }
        }
        let repo = try Repository(path: scratch.path)
        let refs = try scratch.gitOutput(["for-each-ref", "--format=%(refname)"]).split(separator: "\n").map(String.init)
        for _ in 0..<10 {
            let tips = refs.filter { _ in rng.next() % 2 == 0 }
            let hidden = refs.filter { _ in rng.next() % 3 == 0 } + ["HEAD~\(rng.next() % 4)"]
            guard !tips.isEmpty else { continue }
            let expected = try scratch.gitOutput(["rev-list"] + tips + ["--not"] + hidden).split(separator: "\n").map(String.init)
            let got = try repo.newCommits(tips: tips.map { try repo.resolveCommit($0) }, excluding: hidden.map { try repo.resolveCommit($0) })
            #expect(Set(got.map(\.hex)) == Set(expected), "\(tips) --not \(hidden)")
            #expect(got.count == expected.count)
        }
    }

    /// Hostile committer dates (negative, 20 digits, trailing junk, missing) order the walk
    /// as git's `parse_commit_date` does, so the same commits come out as from rev-list.
    @Test(arguments: Array(1...16) as [UInt64])
    func hostileDatesMatchRevList(seed: UInt64) throws {
        let scratch = try ScratchRepository(label: "hostile-dates")
        var rng = SplitMix(seed: seed)
        let tree = try scratch.git(["mktree"], input: Data()).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let dates = ["-5 +0000", "99999999999999999999 +0000", "-99999999999999999999 +0000", "123abc +0000", "abc",
                     "", "  42 +0000", "1700000000 +0100", "1 +0000", "18446744073709551615 +0000", "-0 +0000"]
        var commits: [String] = []
        for i in 0..<40 {
            var parents: [String] = []
            if !commits.isEmpty { parents.append(commits[Int(rng.next() % UInt64(commits.count))]) }
            if commits.count > 2, rng.next() % 4 == 0 { parents.append(commits[Int(rng.next() % UInt64(commits.count))]) }
            let date = rng.next() % 2 == 0 ? dates[Int(rng.next() % UInt64(dates.count))] : "\(1_700_000_000 + Int(rng.next() % 1000)) +0000"
            var text = "tree \(tree)\n" + Set(parents).sorted().map { "parent \($0)\n" }.joined()
            text += rng.next() % 10 == 0 ? "" : "author A <a@x> 1 +0000\n"
            text += "committer C <c@x> \(date)\n\nc\(i)\n"
            let id = try scratch.git(["hash-object", "-t", "commit", "-w", "--stdin", "--literally"], input: Data(text.utf8))
                .out.trimmingCharacters(in: .whitespacesAndNewlines)
            commits.append(id)
        }
        let repo = try Repository(path: scratch.path)
        for _ in 0..<40 {
            // Sorted as newCommits orders its starting points: with equal dates, git's walk
            // follows the order of its arguments.
            let tips = commits.filter { _ in rng.next() % 5 == 0 }.sorted()
            let hidden = commits.filter { _ in rng.next() % 6 == 0 }.sorted()
            guard !tips.isEmpty else { continue }
            let expected = try scratch.gitOutput(["rev-list"] + tips + ["--not"] + hidden).split(separator: "\n").map(String.init)
            let got = try repo.newCommits(tips: tips.compactMap { ObjectID(hex: $0) }, excluding: hidden.compactMap { ObjectID(hex: $0) })
            #expect(Set(got.map(\.hex)) == Set(expected), "\(tips) --not \(hidden)")
        }
    }

    /// In a shallow clone a range whose excluded side reaches past the cut still walks.
    @Test func shallowClonesWalk() throws {
        let origin = try Histories.random(seed: 51, commits: 8)
        let dir = try Scratch.directory("shallow-walk")
        defer { try? FileManager.default.removeItem(at: dir) }
        try run(["git", "clone", "-q", "--depth", "3", "file://\(origin.path)", dir.appendingPathComponent("c").path])
        let clone = try ScratchRepository(wrapping: dir.appendingPathComponent("c"))
        let repo = try Repository(path: clone.path)
        let head = try repo.resolveCommit("HEAD")
        for hidden in ["HEAD~1", "HEAD~2"] {
            let expected = try clone.gitOutput(["rev-list", "HEAD", "--not", hidden]).split(separator: "\n").map(String.init)
            let got = try repo.newCommits(tips: [head], excluding: [try repo.resolveCommit(hidden)])
            #expect(got.map(\.hex) == expected.reversed(), "\(hidden)")
        }
        #expect(try repo.newCommits(tips: [head], excluding: []).count == 3)
    }
}

@Suite struct ObjectIDOrderTests {
    /// Ids order as their hex spellings do (git's order), for ids that differ in any byte.
    @Test func orderMatchesHex() {
        var rng = SplitMix(seed: 77)
        var ids: [ObjectID] = []
        for _ in 0..<2000 {
            var hex = (0..<40).map { _ in String(rng.next() % 16, radix: 16) }.joined()
            // Many ids sharing long prefixes, so later words decide too.
            if rng.next() % 2 == 0, let other = ids.last?.hex { hex = String(other.prefix(Int(rng.next() % 40))) + hex.dropFirst(0).prefix(40) }
            if let id = ObjectID(hex: String(hex.prefix(40))) { ids.append(id) }
        }
        #expect(ids.sorted().map(\.hex) == ids.map(\.hex).sorted())
    }
}

@Suite struct ParentsFirstTests {
    /// The order the walk's first version gave, kept as the reference: a sorted list of ready
    /// commits, each placed by rank.
    static func reference(_ commits: [ObjectID], parents: [ObjectID: [ObjectID]]) -> [ObjectID] {
        let members = Set(commits)
        var left: [ObjectID: Int] = [:]
        var children: [ObjectID: [ObjectID]] = [:]
        for id in commits {
            let inSet = Set((parents[id] ?? []).filter { members.contains($0) })
            left[id] = inSet.count
            for parent in inSet { children[parent, default: []].append(id) }
        }
        let rank = Dictionary(uniqueKeysWithValues: commits.enumerated().map { ($1, commits.count - $0) })
        var ready = commits.filter { left[$0] == 0 }.sorted { rank[$0]! < rank[$1]! }
        var out: [ObjectID] = []
        while !ready.isEmpty {
            let id = ready.removeFirst()
            out.append(id)
            for child in children[id] ?? [] {
                left[child]! -= 1
                if left[child] == 0 { ready.insert(child, at: ready.firstIndex { rank[$0]! > rank[child]! } ?? ready.endIndex) }
            }
        }
        return out
    }

    /// Random histories (merges, duplicate parents, parents outside the set, a commit naming
    /// itself) in random walk orders: the same order as the reference.
    @Test func matchesTheReferenceOrder() throws {
        let scratch = try ScratchRepository(label: "topo")
        let repo = try Repository(path: scratch.path)
        var rng = SplitMix(seed: 17)
        func randomID() -> ObjectID {
            let bytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return bytes.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
        }
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &rng)
            let ids = (0..<count).map { _ in randomID() }
            var walk = HistoryWalk(repository: repo)
            var parents: [ObjectID: [ObjectID]] = [:]
            for (i, id) in ids.enumerated() {
                var list: [ObjectID] = []
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0: list.append(randomID())
                    case 1: list.append(id)
                    default: if i > 0 { list.append(ids[Int.random(in: 0..<i, using: &rng)]) }
                    }
                }
                if let first = list.first, Bool.random(using: &rng) { list.append(first) }
                parents[id] = list
                walk.nodes[id] = HistoryWalk.Node(parents: list)
            }
            // A walk lists commits newest first, roughly the reverse of creation.
            var order = Array(ids.reversed())
            for _ in 0..<Int.random(in: 0...5, using: &rng) where order.count > 1 {
                order.swapAt(Int.random(in: 0..<order.count, using: &rng), Int.random(in: 0..<order.count, using: &rng))
            }
            #expect(walk.parentsFirst(order) == Self.reference(order, parents: parents))
        }
    }
}

@Suite struct CommitStartTests {
    /// Parents and dates read from the first bytes of packed commits equal those read from the
    /// whole commits, over headers short and long (many parents, long author lines, lines
    /// missing, hostile dates), whole objects and deltas; headers longer than the bytes read
    /// are left to the whole read.
    @Test func matchesTheWholeCommit() throws {
        let scratch = try ScratchRepository(label: "commit-start")
        var rng = SplitMix(seed: 23)
        let tree = try scratch.git(["mktree"], input: Data()).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let dates = ["-5 +0000", "99999999999999999999 +0000", "123abc +0000", "abc", "", "1700000000 +0100"]
        var commits: [String] = []
        for i in 0..<300 {
            var parents: [String] = []
            for _ in 0..<(rng.next() % 8 == 0 ? Int(rng.next() % 12) : Int(rng.next() % 2)) where !commits.isEmpty {
                parents.append(commits[Int(rng.next() % UInt64(commits.count))])
            }
            let name = String(repeating: "n", count: Int(rng.next() % 400))
            let date = rng.next() % 3 == 0 ? dates[Int(rng.next() % UInt64(dates.count))] : "\(1_700_000_000 + i) +0000"
            var text = "tree \(tree)\n" + parents.map { "parent \($0)\n" }.joined()
            switch rng.next() % 10 {
            case 0: text += "committer C <c@x> \(date)\n"
            case 1: text += "author \(name) <a@x> 1 +0000\nmergetag x\n"
            default: text += "author \(name) <a@x> 1 +0000\ncommitter C\(name) <c@x> \(date)\n"
            }
            text += "\n" + String(repeating: "message \(i) ", count: Int(rng.next() % 100)) + "\n"
            let id = try scratch.git(["hash-object", "-t", "commit", "-w", "--stdin", "--literally"], input: Data(text.utf8))
                .out.trimmingCharacters(in: .whitespacesAndNewlines)
            commits.append(id)
        }
        try scratch.git(["tag", "last", commits.last!])
        for (i, id) in commits.enumerated() { try scratch.git(["update-ref", "refs/keep/\(i)", id]) }
        try scratch.git(["repack", "-adfq", "--window=50", "--depth=10"])
        let repo = try Repository(path: scratch.path)
        let walk = HistoryWalk(repository: repo)
        var fromStart = 0, whole = 0
        for hex in commits {
            let id = try #require(ObjectID(hex: hex))
            let raw = try repo.readRaw(id, expecting: .commit)
            let links = try? withExtendedLifetime(raw) { try CommitLinks(id: id, raw: raw.bytes) }
            guard let quick = walk.linksFromStart(id) else {
                whole += 1
                continue
            }
            fromStart += 1
            let expected = try #require(links, "\(hex) parsed from its start only")
            #expect(quick.parents == expected.parents, "\(hex)")
            #expect(quick.time == withExtendedLifetime(raw) { CommitLinks.walkDate(raw.bytes, from: expected.headerOffset) }, "\(hex)")
        }
        #expect(fromStart > 100, "most commits read from their start")
        #expect(whole > 10, "long headers and deltas read whole")
    }
}

@Suite struct ObjectIDHexTests {
    /// Forty hex digits of either case parse to the id whose hex is their lower case; any
    /// other character (a `g`, a space, non-ASCII) or any other length is refused.
    @Test func parsesExactlyFortyHexDigits() {
        var rng = SplitMix(seed: 29)
        let alphabet = Array("0123456789abcdefABCDEF") + ["g", "G", " ", "\n", "é", "/", ":", "`", "@"]
        for _ in 0..<5_000 {
            let length = rng.next() % 8 == 0 ? Int(rng.next() % 45) : 40
            let flawed = rng.next() % 3 == 0
            let text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(flawed ? alphabet.count : 22))] })
            let valid = text.utf8.count == 40 && text.allSatisfy(\.isHexDigit)
            #expect(ObjectID(hex: text)?.hex == (valid ? text.lowercased() : nil), "\(text)")
        }
    }
}

/// `Repository.mayContain` spares `scan` setting libgit2 up outside repositories; it must
/// never say no where libgit2 would find one.
@Suite struct RepositorySearchTests {
    @Test func saysYesWhereverLibgit2FindsARepository() throws {
        let work = try ScratchRepository()
        try work.write("deep/er/file.txt", "x\n")
        _ = try work.commit()
        let bare = try ScratchRepository(bare: true)
        let outside = try Scratch.directory("outside")
        try FileManager.default.createDirectory(at: outside.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try "x\n".write(to: outside.appendingPathComponent("a/b/f.txt"), atomically: true, encoding: .utf8)
        // A link from outside into the work tree: libgit2 searches from the resolved path.
        try FileManager.default.createSymbolicLink(atPath: outside.appendingPathComponent("link").path,
                                                   withDestinationPath: work.url.appendingPathComponent("deep/er").path)
        let linkedTree = try Scratch.directory("worktree")
        try work.git(["worktree", "add", "-q", linkedTree.appendingPathComponent("w").path])
        let inside = [work.path, work.path + "/deep", work.path + "/deep/er/file.txt", bare.path, bare.path + "/objects",
                      outside.appendingPathComponent("link").path, outside.appendingPathComponent("link/file.txt").path,
                      linkedTree.appendingPathComponent("w").path, work.path + "/deep/../deep/er"]
        for path in inside {
            #expect(Repository.mayContain(path), "\(path)")
            #expect((try? Repository(path: path)) != nil, "libgit2 finds one at \(path)")
        }
        for path in [outside.path, outside.appendingPathComponent("a/b").path, outside.appendingPathComponent("a/b/f.txt").path]
        where (try? Repository(path: path)) == nil {
            #expect(!Repository.mayContain(path), "\(path)")
        }
        // A path that does not resolve is left to libgit2.
        #expect(Repository.mayContain(outside.appendingPathComponent("missing").path))
    }
}
