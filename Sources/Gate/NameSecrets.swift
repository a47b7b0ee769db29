import Git
import Secrets

// Secrets outside blob contents (SPEC §1.3): identities and other header values of commits
// and tags, path names in new trees, ref names, and the trees and blobs a ref or tag names
// directly. And the one pass that makes every name a finding carries fit to show.

/// Header lines that are never scanned: object links (ids, which the object format checks).
/// Signatures (`gpgsig`, `gpgsig-sha256`) are scanned like any other value: git stores
/// whatever text a pusher puts there, and a tag's or mergetag's signature always was.
private let unscannedHeaders: Set<[UInt8]> = Set(["tree", "parent", "object", "type"].map { Array($0.utf8) })
private let identityHeaders: Set<[UInt8]> = Set(["author", "committer", "tagger"].map { Array($0.utf8) })

/// What a commit's names hold: matches in identities and other headers, in the paths it
/// brings (the paths kept only when one of them matched), and new trees git fsck would refuse.
struct NameWork: Sendable {
    var headerCandidates: [HeaderCandidate] = []
    var newPaths: [[UInt8]] = []
    var pathCandidates: [PathCandidate] = []
    var treeProblems: [TreeProblem] = []

    var isEmpty: Bool { headerCandidates.isEmpty && pathCandidates.isEmpty && treeProblems.isEmpty }
}

/// A match in a header, with where it stands.
struct HeaderCandidate: Sendable {
    var candidate: Candidate
    var location: Finding.Location
}

/// A match in a path name: the index of the path in the list scanned.
struct PathCandidate: Sendable {
    var path: Int
    var candidate: Candidate
}

extension Scanner {
    /// The candidates in the header lines of a commit or tag object (`header`: its bytes up to
    /// the blank line), each tagged `identity` (author, committer, tagger) or `header`. The
    /// common header with no match at all costs one pass and no copy; otherwise it is scanned
    /// again with the unscanned lines (links) blanked, not dropped, so line numbers
    /// stay the object's own and a value there cannot hide the same value elsewhere.
    func headerCandidates(_ header: [UInt8], scratch: MatchScratch) -> [HeaderCandidate] {
        guard !header.withUnsafeBytes({ candidates(in: $0, scratch: scratch) }).isEmpty else { return [] }
        var text: [UInt8] = []
        text.reserveCapacity(header.count)
        var locations: [Finding.Location] = []
        var keep = false
        var location = Finding.Location.header
        for line in header.split(separator: 10, omittingEmptySubsequences: false) {
            if line.first != 32 {
                let key = Array(line.prefix { $0 != 32 })
                keep = !unscannedHeaders.contains(key)
                location = identityHeaders.contains(key) ? .identity : .header
            }
            if keep { text += line }
            text.append(10)
            locations.append(location)
        }
        let found = text.withUnsafeBytes { candidates(in: $0, scratch: scratch) }
        return found.map { HeaderCandidate(candidate: $0, location: locations[min(max($0.line, 1), locations.count) - 1]) }
    }

    /// The candidates in path names, scanned together in one pass (one per line).
    func pathCandidates(_ paths: [[UInt8]], scratch: MatchScratch) -> [PathCandidate] {
        guard !paths.isEmpty else { return [] }
        var text: [UInt8] = []
        var starts: [Int] = []
        for path in paths {
            starts.append(text.count)
            text += path
            text.append(10)
        }
        let found = text.withUnsafeBytes { candidates(in: $0, scratch: scratch) }
        return found.map { candidate in
            // The path the secret starts in: the last start at or before it.
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if starts[mid] <= candidate.secretRange.lowerBound { lo = mid + 1 } else { hi = mid }
            }
            return PathCandidate(path: max(lo - 1, 0), candidate: candidate)
        }
    }
}

extension CommitSecrets {
    /// The matches of `commit`'s header candidates and new paths, as `shownBy` reports them.
    func nameSecrets(_ names: NameWork, commit hex: String,
                     scratch: MatchScratch) -> [(SecretMatch, path: [UInt8]?, location: Finding.Location)] {
        let scanner = settings.scanner
        var shown: [(SecretMatch, path: [UInt8]?, location: Finding.Location)] = []
        for header in names.headerCandidates {
            for match in scanner.accept([header.candidate], context: ScanContext(commit: hex), scratch: scratch, includingSuppressed: true) {
                shown.append((match, nil, header.location))
            }
        }
        for found in names.pathCandidates {
            let path = names.newPaths[found.path]
            let context = ScanContext(path: String(decoding: path, as: UTF8.self), commit: hex)
            for match in scanner.accept([found.candidate], context: context, scratch: scratch, includingSuppressed: true) {
                shown.append((match, path, .path))
            }
        }
        return shown
    }

    /// What refs bring besides commits: each ref name; down each chain of annotated tags, every
    /// tag's header (tagger, name, other headers) and message; and a tree or blob that a ref or
    /// a tag names, scanned whole with the ref as its place. Objects in `examined` are not
    /// read again; those read are added to it. `reported` and `firstOnly` as for `examine`.
    public func examineRefs(_ refs: [(name: String, target: ObjectID)], in repo: Repository, examined: inout Set<ObjectID>,
                            reported: inout Set<String>, firstOnly: Bool = false) throws(GitError) -> Result {
        let scanner = settings.scanner
        let scratch = MatchScratch()
        var findings: [Finding] = []
        var blobs = 0
        func add(_ match: SecretMatch, commit: String?, path: [UInt8]?, location: Finding.Location, ref: String) {
            let before = findings.count
            append(match, commit: commit, path: path, location: location, to: &findings, reported: &reported, firstOnly: firstOnly)
            for i in before..<findings.count { findings[i].ref = ref }
        }
        for (name, target) in refs {
            let nameBytes = Array(name.utf8)
            let nameCandidates = nameBytes.withUnsafeBytes { scanner.candidates(in: $0, scratch: scratch) }
            for match in scanner.accept(nameCandidates, context: ScanContext(), scratch: scratch, includingSuppressed: true) {
                add(match, commit: nil, path: nil, location: .ref, ref: name)
            }
            var current = target
            for _ in 0..<32 {
                let type = try repo.header(current).type
                guard type != .commit, examined.insert(current).inserted else { break }
                if type == .tag {
                    let tag = try repo.annotatedTag(current)
                    let hex = current.hex
                    let raw = try repo.object(current).bytes
                    let headerEnd = raw.count - tag.message.count
                    for header in scanner.headerCandidates(Array(raw[..<max(0, headerEnd - 1)]), scratch: scratch) {
                        for match in scanner.accept([header.candidate], context: ScanContext(commit: hex), scratch: scratch,
                                                    includingSuppressed: true) {
                            add(match, commit: hex, path: nil, location: header.location, ref: name)
                        }
                    }
                    let message = tag.message.withUnsafeBytes { scanner.candidates(in: $0, scratch: scratch) }
                    for match in scanner.accept(message, context: ScanContext(commit: hex), scratch: scratch, includingSuppressed: true) {
                        add(match, commit: hex, path: nil, location: .message, ref: name)
                    }
                    current = tag.target
                } else if type == .tree {
                    var problems: [TreeProblem] = []
                    let changes = try repo.changes(tree: current, parentTrees: [], detectRenames: false, problems: &problems)
                    for problem in problems {
                        var finding = Finding.treeProblem(problem, commit: nil)
                        finding.ref = name
                        findings.append(finding)
                    }
                    let paths = changes.map(\.path)
                    for found in scanner.pathCandidates(paths, scratch: scratch) {
                        let path = paths[found.path]
                        let context = ScanContext(path: String(decoding: path, as: UTF8.self))
                        for match in scanner.accept([found.candidate], context: context, scratch: scratch, includingSuppressed: true) {
                            add(match, commit: nil, path: path, location: .path, ref: name)
                        }
                    }
                    for change in changes where change.newMode.holdsContent && examined.insert(change.newID).inserted {
                        blobs += 1
                        try scanBlob(change.newID, path: change.path, ref: name, in: repo, scratch: scratch, into: &findings,
                                     reported: &reported, firstOnly: firstOnly)
                    }
                    break
                } else {
                    if type == .blob {
                        blobs += 1
                        try scanBlob(current, path: nil, ref: name, in: repo, scratch: scratch, into: &findings,
                                     reported: &reported, firstOnly: firstOnly)
                    }
                    break
                }
            }
        }
        return Result(findings: findings, blobsScanned: blobs)
    }

    /// One blob reached through a ref, scanned whole: its secrets, or why it was not read.
    private func scanBlob(_ id: ObjectID, path: [UInt8]?, ref: String, in repo: Repository, scratch: MatchScratch,
                          into findings: inout [Finding], reported: inout Set<String>, firstOnly: Bool) throws(GitError) {
        let before = findings.count
        defer { for i in before..<findings.count { findings[i].ref = ref } }
        // Read as every blob is read (SPEC §1.3): text encodings, binary runs, archives, encodings.
        let scan: BlobScan
        switch try readBlob(id, repo: repo, scratch: scratch) {
        case let .skipped(reason):
            findings.append(.skipped(reason, path: path ?? [], severity: settings.unscannable))
            return
        case let .scanned(result):
            scan = result
        }
        findings += Finding.readProblems(scan, commit: nil, path: path ?? [], settings: settings)
        do {
            let context = ScanContext(path: path.map { String(decoding: $0, as: UTF8.self) })
            for match in settings.scanner.accept(scan.candidates, context: context, scratch: scratch, includingSuppressed: true) {
                append(match, commit: nil, path: path, location: .content, to: &findings, reported: &reported, firstOnly: firstOnly)
            }
            if let path {
                findings += Finding.pathRules(at: path, scan: scan, commit: nil, settings: settings, scratch: scratch)
            }
        }
    }

    /// The key `append` remembers a reported finding by: its fingerprint, apart for notes, so
    /// a suppressed occurrence never hides a later one that counts.
    public static func reportedKey(fingerprint: String, note: Bool) -> String {
        note ? "note:" + fingerprint : fingerprint
    }
}

extension Finding {
    /// A new tree git fsck would refuse: an error, since which of two same-named entries a
    /// checkout gets (and so what is scanned) is not defined.
    static func treeProblem(_ problem: TreeProblem, commit: String?) -> Finding {
        let what = problem.kind == .duplicateEntries ? "two entries with this name" : "entries out of git's order"
        return Finding(kind: .skipped, severity: .error, rule: problem.kind.rawValue, commit: commit, path: problem.path,
                       reason: problem.kind == .duplicateEntries ? "duplicate-entries" : "tree-not-sorted",
                       message: "tree \(problem.tree.hex.prefix(12)) has \(what) (git fsck: \(problem.kind.rawValue)); refused, not guessed at")
    }

    /// This finding with every secret in its names (path, core paths, ref, message) replaced
    /// by its redacted form, through the one redaction function (SPEC §1.3).
    public func redactingNames(_ scanner: Scanner, scratch: MatchScratch) -> Finding {
        var f = self
        if let path { f.path = Redaction.redactSecrets(in: path, scanner: scanner, scratch: scratch) }
        if let paths { f.paths = paths.map { Redaction.redactSecrets(in: $0, scanner: scanner, scratch: scratch) } }
        if let ref { f.ref = Redaction.redactSecrets(in: ref, scanner: scanner, scratch: scratch) }
        f.message = Redaction.redactSecrets(in: message, scanner: scanner, scratch: scratch)
        return f
    }
}

extension Verdict {
    /// The verdict with every finding's names redacted: what every report and record shows.
    public func redactingNames(_ scanner: Scanner) -> Verdict {
        let scratch = MatchScratch()
        var copy = self
        copy.findings = findings.map { $0.redactingNames(scanner, scratch: scratch) }
        return copy
    }
}
