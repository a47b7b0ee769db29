import Base
import Dispatch
import Git
import Secrets
import Synchronization

/// Secrets introduced by commits (SPEC §1.3): a commit introduces a secret when a rule
/// matches a value in a blob it adds or changes and the same rule and value occur in no blob
/// it replaces or deletes, so moving a line or renaming a file introduces nothing. Each unique
/// blob is read and scanned once per run, on every core.
public struct CommitSecrets: Sendable {
    public let settings: SecretSettings

    /// How the blobs of a history are read: along the packs' delta trees (each object rebuilt
    /// once, keywords searched only where a delta inserted bytes), or one by one in full — the
    /// reference the first is tested against.
    enum BlobReading: Sendable {
        case deltaTrees
        case oneByOne
    }

    let reading: BlobReading

    public init(settings: SecretSettings) {
        self.init(settings: settings, reading: .deltaTrees)
    }

    init(settings: SecretSettings, reading: BlobReading) {
        self.settings = settings
        self.reading = reading
    }

    /// The result of examining commits: findings in commit order, and what was scanned.
    public struct Result: Sendable {
        public var findings: [Finding]
        public var blobsScanned: Int
    }

    /// Examines `commits` (parents before children). `open` makes one repository handle per
    /// worker. With `firstOnly`, a secret (by fingerprint) is reported only at the first
    /// commit that introduces it, as a history audit wants.
    /// `alreadyReported` holds fingerprints reported by an earlier run (with `firstOnly`).
    /// `progress` is told each step's name as it starts.
    public func examine(_ commits: [ObjectID], firstOnly: Bool = false, alreadyReported: Set<String> = [], threads: Int = 2,
                        progress: (@Sendable (String) -> Void)? = nil,
                        open: @escaping @Sendable () throws(GitError) -> Repository) throws(GitError) -> Result {
        let threads = max(1, min(threads, commits.count))
        // One handle per worker for the whole run: their pack caches serve every step.
        let handles = try Handles(count: threads, open: open)
        return try examine(commits, early: [:], handles: handles, firstOnly: firstOnly, alreadyReported: alreadyReported, progress: progress)
    }

    /// `examine` over the commits `walk` finds (parents before children), started while it
    /// walks: `walk` tells each commit it takes to the function it is given, and one worker
    /// computes those commits' changes on a handle of its own meanwhile (a history walk reads
    /// every commit on one thread; the other core would wait). What the walk's result leaves
    /// out is dropped; what the worker had no time for is done after, as in `examine`.
    public func examine(walking walk: ((ObjectID) -> Void) throws(GitError) -> [ObjectID], firstOnly: Bool = false,
                        alreadyReported: Set<String> = [], threads: Int = 2, progress: (@Sendable (String) -> Void)? = nil,
                        open: @escaping @Sendable () throws(GitError) -> Repository) throws(GitError) -> (Result, commits: [ObjectID]) {
        let (result, commits, _) = try examine(walking: walk, batch: CommitFeed.batch, start: { DispatchQueue.global().async(execute: $0) }, firstOnly: firstOnly,
                                               alreadyReported: alreadyReported, threads: threads, progress: progress, open: open)
        return (result, commits)
    }

    /// As above, handing the worker `batch` commits at a time, the worker started by `start`;
    /// also says how many commits' changes it computed during the walk. An audit starts it on
    /// a thread of the pool the later steps run on (a thread of its own kept a heap of its
    /// own, 30 MB more to the end of a run), which is idle while the walk goes on.
    func examine(walking walk: ((ObjectID) -> Void) throws(GitError) -> [ObjectID], batch: Int,
                 start: (@escaping @Sendable () -> Void) -> Void, firstOnly: Bool,
                 alreadyReported: Set<String>, threads: Int, progress: (@Sendable (String) -> Void)?,
                 open: @escaping @Sendable () throws(GitError) -> Repository) throws(GitError) -> (Result, commits: [ObjectID], early: Int) {
        let handles = try Handles(count: max(1, threads), open: open)
        let feed = CommitFeed(batch: batch)
        let finished = DispatchSemaphore(value: 0)
        let early = Mutex<[ObjectID: CommitWork]>([:])
        start { [handles] in
            // Not started before the walk ended (the pool was busy): nothing to do, and the
            // handle is no longer this worker's.
            guard feed.begin() else { return }
            let repo = handles.repositories[0]
            let scratch = MatchScratch()
            var paths = Set<SharedPath>()
            var done: [ObjectID: CommitWork] = [:]
            while let batch = feed.take() {
                for id in batch {
                    // A commit that cannot be read is left for the main pass, which reports it.
                    if let work = try? commitWork(id, repo: repo, scratch: scratch, paths: &paths) { done[id] = work }
                }
            }
            // Kept before the walk's thread is told, which reads it next.
            early.withLock { $0 = done }
            finished.signal()
        }
        let commits: [ObjectID]
        do throws(GitError) {
            commits = try walk { feed.append($0) }
        } catch {
            if feed.finish() { finished.wait() }
            throw error
        }
        // The worker is waited for only if it began: a pool too busy to start it (its threads
        // all waiting like this one) must not hold the audit.
        if feed.finish() { finished.wait() }
        guard !commits.isEmpty else { return (Result(findings: [], blobsScanned: 0), commits, 0) }
        // Taken out, so the table is freed once the changes are in place.
        let table = early.withLock { table in defer { table = [:] }; return table }
        let count = table.count
        let result = try examine(commits, early: table, handles: handles, firstOnly: firstOnly,
                                 alreadyReported: alreadyReported, progress: progress)
        return (result, commits, count)
    }

    private func examine(_ commits: [ObjectID], early: consuming [ObjectID: CommitWork], handles: Handles, firstOnly: Bool,
                         alreadyReported: Set<String>, progress: (@Sendable (String) -> Void)?) throws(GitError) -> Result {
        // 1. Every commit's own changes and message, slice by slice on the workers, while
        //    this thread places each new blob in the packs' delta trees as its slice is done.
        progress?("computing the changes of \(commits.count) commits")
        let planning = reading == .deltaTrees
        let planner = planning ? handles.repositories[0].deltaPlanner() : nil
        let (work, madePlan) = try changesAndPlan(commits, early: early, handles: handles, planner: planner)
        early = [:]
        var planned = madePlan
        // 2. Each new blob once; then the replaced blobs of commits whose new blobs hold
        //    something, to tell a moved secret from a new one.
        var scanned: [ObjectID: BlobResult]
        if let plan = planned {
            progress?("scanning \(plan.blobs) blobs")
            // The forest (a node per blob and base) is freed with `plan`, after the scan.
            planned = nil
            scanned = try scanDeltaTrees(plan.forest, handles: handles)
        } else {
            // In pack order, so each delta's base was usually just read and is still cached
            // (history order is the fallback for loose objects).
            var seenBlobs = Set<ObjectID>()
            let newBlobs = handles.repositories[0].packOrder(work.flatMap { $0.added.map(\.1) }.filter { seenBlobs.insert($0).inserted })
            progress?("scanning \(newBlobs.count) blobs")
            scanned = try scanBlobs(newBlobs, handles: handles)
        }
        var replacedNeeded = Set<ObjectID>()
        for commit in work where commit.added.contains(where: { scanned[$0.1]?.hasCandidates == true }) {
            replacedNeeded.formUnion(commit.replaced.map(\.1).filter { scanned[$0] == nil })
        }
        scanned.merge(try scanBlobs(replacedNeeded.sorted(), handles: handles)) { a, _ in a }

        // 3. What each commit shows, on every core; then, in commit order, which of its
        //    secrets are reported (a baseline, or an earlier commit, may have them already).
        let shown = try parallel(count: work.count, handles: handles) { [scanned] _, range in
            let scratch = MatchScratch()
            return range.map { shownBy(work[$0], scanned: scanned, scratch: scratch) }
        }
        var findings: [Finding] = []
        var reported = alreadyReported
        for (commit, items) in zip(work, shown) {
            let hex = commit.id.hex
            for item in items {
                switch item {
                case let .finding(finding):
                    findings.append(finding)
                case let .secret(match, path, location):
                    append(match, commit: hex, path: path, location: location, to: &findings, reported: &reported, firstOnly: firstOnly)
                }
            }
        }
        return Result(findings: findings, blobsScanned: scanned.count)
    }

    /// Commits per slice of step 1: small enough that the workers finish together and the
    /// planner follows closely, large enough that a slice's trees share a handle's cache.
    static let sliceSize = 256

    /// Every commit's `CommitWork`, in order, computed slice by slice on the workers. With a
    /// planner, a worker that finishes a slice also places the new blobs of the finished
    /// slices in the delta forest, unless the other is already at it, so planning takes no
    /// time of its own; returns the forest and the number of unique new blobs. (The workers
    /// are the threads that later walk the forest: memory they free stays at their disposal.)
    private func changesAndPlan(_ commits: [ObjectID], early: [ObjectID: CommitWork], handles: Handles, planner: DeltaPlanner?)
        throws(GitError) -> (work: [CommitWork], planned: (forest: DeltaForest, blobs: Int)?) {
        let sliceCount = (commits.count + Self.sliceSize - 1) / Self.sliceSize
        let nextSlice = Atomic<Int>(0)
        let slices = Mutex<[[CommitWork]?]>(Array(repeating: nil, count: sliceCount))
        let failure = Mutex<GitError?>(nil)
        // New blobs of finished slices not yet planned; the planner and the blobs it has seen.
        let unplanned = Mutex<[[ObjectID]]>([])
        let plan = Mutex<(planner: DeltaPlanner, seen: Set<ObjectID>)?>(planner.map { ($0, []) })
        @Sendable func placeFinished(_ state: inout (planner: DeltaPlanner, seen: Set<ObjectID>)?) {
            guard var (planner, seen) = state else { return }
            state = nil
            for blobs in unplanned.withLock({ list in defer { list.removeAll() }; return list }) {
                planner.add(blobs.lazy.filter { seen.insert($0).inserted })
            }
            state = (planner, seen)
        }
        let workers = max(1, min(handles.repositories.count, sliceCount))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let repo = handles.repositories[worker]
            let scratch = MatchScratch()
            // One copy of each path for all the commits that change it (a long history
            // changes the same files again and again).
            var paths = Set<SharedPath>()
            while true {
                let slice = nextSlice.add(1, ordering: .relaxed).oldValue
                guard slice < sliceCount else { break }
                guard failure.withLock({ $0 == nil }) else { break }
                do throws(GitError) {
                    var out: [CommitWork] = []
                    let end = min(commits.count, (slice + 1) * Self.sliceSize)
                    for i in (slice * Self.sliceSize)..<end {
                        if let done = early[commits[i]] {
                            out.append(done)
                        } else {
                            out.append(try commitWork(commits[i], repo: repo, scratch: scratch, paths: &paths))
                        }
                    }
                    if planner != nil {
                        let blobs = out.flatMap { $0.added.map(\.1) }
                        unplanned.withLock { $0.append(blobs) }
                    }
                    slices.withLock { $0[slice] = out }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    break
                }
                if planner != nil {
                    _ = plan.withLockIfAvailable { placeFinished(&$0) }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        plan.withLock { placeFinished(&$0) }
        let work = slices.withLock { $0.flatMap { $0 ?? [] } }
        let planned = plan.withLock { state in state.map { ($0.planner.forest(), $0.seen.count) } }
        return (work, planned)
    }

    /// One commit's added and replaced blobs, and the secret candidates of its message.
    private func commitWork(_ id: ObjectID, repo: Repository, scratch: MatchScratch,
                            paths: inout Set<SharedPath>) throws(GitError) -> CommitWork {
        let commit = try repo.commit(id)
        var problems: [TreeProblem] = []
        let changes = try repo.changes(of: commit, detectRenames: false, problems: &problems)
        // The message is scanned here and only its candidates kept: holding every message of
        // a long history until the end costs more memory than it is worth.
        let message = commit.message.withUnsafeBytes { settings.scanner.candidates(in: $0, scratch: scratch) }
        var work = CommitWork(id: commit.id, messageCandidates: message)
        var names = NameWork()
        names.headerCandidates = settings.scanner.headerCandidates(commit.rawHeader, scratch: scratch)
        names.treeProblems = problems
        // A merge's own changes are shown against its first parent; what it replaces is the
        // version of every parent, so a value one side already had is not new.
        var otherParentTrees: [ObjectID] = []
        for parent in commit.parents.dropFirst() where !repo.shallowCommits.contains(commit.id) {
            otherParentTrees.append(try repo.commitLinks(parent).tree)
        }
        var newPaths: [[UInt8]] = []
        for var change in changes {
            change.path = paths.insert(SharedPath(bytes: change.path)).memberAfterInsert.bytes
            // A path no parent has: its name is new text the commit brings.
            if change.status == .added {
                var elsewhere = false
                for tree in otherParentTrees where try repo.entry(at: change.path, in: tree) != nil { elsewhere = true }
                if !elsewhere { newPaths.append(change.path) }
            }
            if change.newMode.holdsContent, change.status != .deleted {
                work.added.append((change.path, change.newID))
                for tree in otherParentTrees {
                    if let old = try repo.entry(at: change.path, in: tree), old.mode.holdsContent {
                        work.replaced.append((change.path, old.id))
                    }
                }
            }
            if change.oldMode.holdsContent, change.status != .added {
                work.replaced.append((change.path, change.oldID))
            }
        }
        names.pathCandidates = settings.scanner.pathCandidates(newPaths, scratch: scratch)
        if !names.pathCandidates.isEmpty { names.newPaths = newPaths }
        if !names.isEmpty { work.names = names }
        return work
    }

    /// One thing a commit shows: a finding as it stands, or a secret to report unless it
    /// was reported before.
    private enum Shown: Sendable {
        case finding(Finding)
        case secret(SecretMatch, path: [UInt8]?, location: Finding.Location)
    }

    /// What `commit` shows, in report order: for each blob it adds, a skip, its new secrets
    /// and its path-rule hits; then the secrets of its message.
    private func shownBy(_ commit: CommitWork, scanned: [ObjectID: BlobResult], scratch: MatchScratch) -> [Shown] {
        let scanner = settings.scanner
        let hex = commit.id.hex
        var shown: [Shown] = []
        // What the replaced versions held where they stood.
        var before = KnownBefore()
        for (oldPath, old) in commit.replaced {
            let context = ScanContext(path: String(decoding: oldPath, as: UTF8.self), commit: hex)
            before.add(scanner.accept(scanned[old]?.candidates ?? [], context: context, scratch: scratch, includingSuppressed: true))
        }
        for (path, blob) in commit.added {
            let pathText = String(decoding: path, as: UTF8.self)
            switch scanned[blob] {
            case let .skipped(reason)?:
                shown.append(.finding(.skipped(reason, commit: hex, path: path, severity: settings.unscannable)))
            case let .scanned(scan)?:
                shown += Finding.readProblems(scan, commit: hex, path: path, settings: settings).map(Shown.finding)
                let context = ScanContext(path: pathText, commit: hex)
                for match in scanner.accept(scan.candidates, context: context, scratch: scratch, includingSuppressed: true)
                where before.isNew(match) {
                    shown.append(.secret(match, path: path, location: .content))
                }
            case nil:
                break
            }
            let read: BlobScan? = if case let .scanned(scan)? = scanned[blob] { scan } else { nil }
            shown += Finding.pathRules(at: path, scan: read, commit: hex, settings: settings, scratch: scratch).map(Shown.finding)
        }
        for match in scanner.accept(commit.messageCandidates, context: ScanContext(commit: hex), scratch: scratch,
                                    includingSuppressed: true) {
            shown.append(.secret(match, path: nil, location: .message))
        }
        // Names: identities and headers, then new path names; and trees git fsck refuses.
        if let names = commit.names {
            for (match, path, location) in nameSecrets(names, commit: hex, scratch: scratch) {
                shown.append(.secret(match, path: path, location: location))
            }
            shown += names.treeProblems.map { .finding(.treeProblem($0, commit: hex)) }
        }
        return shown
    }

    /// Secrets the staged change would introduce (`reviewgate scan --staged`, a pre-commit
    /// hook): staged blobs against HEAD's, with the same rule of "introduces" as commits.
    public func examineStaged(_ repo: Repository) throws(GitError) -> Result {
        let scratch = MatchScratch()
        var findings: [Finding] = []
        var reported = Set<String>()
        var scanned = 0
        for change in try repo.stagedChanges() where change.newMode.holdsContent {
            guard let blob = change.newBlob else { continue }
            scanned += 1
            let scan: BlobScan
            switch try readBlob(blob, repo: repo, scratch: scratch) {
            case let .skipped(reason):
                findings.append(.skipped(reason, path: change.path, severity: settings.unscannable))
                continue
            case let .scanned(result):
                scan = result
            }
            let context = ScanContext(path: String(decoding: change.path, as: UTF8.self))
            // As for commits: what HEAD's version held.
            var before = KnownBefore()
            if let old = change.oldBlob {
                let oldScan = try readBlob(old, repo: repo, scratch: scratch)
                before.add(settings.scanner.accept(oldScan.candidates, context: context, scratch: scratch, includingSuppressed: true))
            }
            findings += Finding.readProblems(scan, commit: nil, path: change.path, settings: settings)
            for match in settings.scanner.accept(scan.candidates, context: context, scratch: scratch, includingSuppressed: true)
            where before.isNew(match) {
                append(match, commit: nil, path: change.path, location: .content, to: &findings, reported: &reported, firstOnly: false)
            }
            findings += Finding.pathRules(at: change.path, scan: scan, commit: nil, settings: settings, scratch: scratch)
        }
        return Result(findings: findings, blobsScanned: scanned)
    }

    /// Adds a match as a finding: a note when it was suppressed (inline, allowlist, or the
    /// baseline), so suppression is never silent (SPEC §1.3).
    func append(_ match: SecretMatch, commit: String?, path: [UInt8]?, location: Finding.Location,
                to findings: inout [Finding], reported: inout Set<String>, firstOnly: Bool) {
        let fingerprint = settings.fingerprinter.fingerprint(rule: match.ruleID, secret: match.secret)
        if firstOnly, !reported.insert(Self.reportedKey(fingerprint: fingerprint,
                                                        note: Finding.suppression(of: match, fingerprint: fingerprint, settings: settings) != nil)).inserted {
            return
        }
        var finding = Finding.reported(match, fingerprint: fingerprint, commit: commit, path: path, location: location,
                                       settings: settings)
        // Lines and columns are the blob's or the message's; in a name they would mislead.
        if location != .content && location != .message {
            finding.line = nil
            finding.column = nil
        }
        findings.append(finding)
    }

    /// Reads and scans each blob once along the delta trees of the packs, a tree at a time
    /// per worker; what the trees do not hold is read one by one.
    private func scanDeltaTrees(_ forest: DeltaForest, handles: Handles) throws(GitError) -> [ObjectID: BlobResult] {
        let settings = self.settings
        let scanner = settings.scanner
        let nextTree = Atomic<Int>(0)
        let workers = handles.repositories.count
        var walked = try parallel(count: workers, handles: handles) { repo, _ -> [WalkResult] in
            let scratch = MatchScratch()
            var result = WalkResult()
            while true {
                let tree = nextTree.add(1, ordering: .relaxed).oldValue
                guard tree < forest.treeCount else { break }
                // Blobs past the streaming threshold are not rebuilt here: read one by one, in
                // windows (`readBlob`).
                var large: [ObjectID] = []
                result.leftOver += try repo.walk(forest, tree: tree, sizeLimit: min(settings.maxFileBytes, settings.readLimits.streamAbove)) {
                    (visit: DeltaVisit<WalkState>) -> WalkState in
                    guard let bytes = visit.bytes else {
                        if let id = visit.id { large.append(id) }
                        return WalkState(keywords: .none)
                    }
                    let keywords: KeywordOccurrences
                    if let base = visit.base {
                        let copies = base.copies
                        keywords = scanner.keywordOccurrences(in: bytes, base: base.state.keywords, copies: copies, scratch: scratch)
                    } else {
                        keywords = scanner.keywordOccurrences(in: bytes, scratch: scratch)
                    }
                    guard let id = visit.id else { return WalkState(keywords: keywords) }
                    // The windows the delta copied whole from a scanned base are not searched again.
                    let reuse = visit.base.flatMap { base in base.state.searched.map { (windows: $0, copies: base.copies) } }
                    // Windows are kept only for a blob that others are built on.
                    let (scan, searched) = scanner.read(bytes, keywords: keywords, reusing: reuse, keepingWindows: visit.isBase,
                                                        limits: settings.readLimits, scratch: scratch)
                    result.scanned.append((id, .scanned(scan)))
                    return WalkState(keywords: keywords, searched: searched)
                }
                result.leftOver += large
            }
            return [result]
        }
        // Filled worker by worker, without a joined copy of all their results.
        var scanned: [ObjectID: BlobResult] = [:]
        scanned.reserveCapacity(walked.reduce(0) { $0 + $1.scanned.count })
        var leftOver: [ObjectID] = forest.unplanned
        for result in walked {
            for (id, blob) in result.scanned where scanned[id] == nil { scanned[id] = blob }
            leftOver += result.leftOver
        }
        walked = []
        // In pack order, so each delta's base was usually just read and is still cached.
        let rest = handles.repositories[0].packOrder(leftOver)
        scanned.merge(try scanBlobs(rest, handles: handles)) { a, _ in a }
        return scanned
    }

    /// What a blob of the walk leaves to the blobs built on it: its keyword occurrences and
    /// the windows its rules searched.
    struct WalkState {
        var keywords: KeywordOccurrences
        var searched: SearchedWindows? = nil
    }

    private struct WalkResult: Sendable {
        var scanned: [(ObjectID, BlobResult)] = []
        var leftOver: [ObjectID] = []
    }

    /// Reads and scans each blob once, spread over the workers.
    private func scanBlobs(_ list: [ObjectID], handles: Handles) throws(GitError) -> [ObjectID: BlobResult] {
        let results = try parallel(count: list.count, handles: handles) { repo, range in
            let scratch = MatchScratch()
            var out: [(ObjectID, BlobResult)] = []
            for i in range {
                out.append((list[i], try readBlob(list[i], repo: repo, scratch: scratch)))
            }
            return out
        }
        return Dictionary(results, uniquingKeysWith: { a, _ in a })
    }
}

/// What the versions a change replaces held, to tell a new secret from one that was there: a
/// value that was allowlisted where it stood (a test fixture) is new when it moves somewhere it
/// is not; a suppressed value is new, as a note, only where no replaced version had it at all.
struct KnownBefore {
    private var reported = Set<SecretKey>()
    private var any = Set<SecretKey>()

    mutating func add(_ matches: [SecretMatch]) {
        for match in matches {
            let key = SecretKey(rule: match.ruleID, secret: match.secret)
            if match.suppressed == nil { reported.insert(key) }
            any.insert(key)
        }
    }

    func isNew(_ match: SecretMatch) -> Bool {
        !(match.suppressed == nil ? reported : any).contains(SecretKey(rule: match.ruleID, secret: match.secret))
    }
}

/// A path as a set member, hashed as one run of bytes (an array of bytes hashes byte by byte).
struct SharedPath: Hashable {
    let bytes: [UInt8]
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}

extension CommitSecrets {
    /// One blob read as SPEC §1.3 reads content: past `max_file_bytes` not at all; past the
    /// streaming threshold in windows straight from the object store (memory stays flat);
    /// else whole.
    func readBlob(_ id: ObjectID, repo: Repository, scratch: MatchScratch) throws(GitError) -> BlobResult {
        let limits = settings.readLimits
        let size = try repo.header(id).size
        if size > settings.maxFileBytes { return .skipped(.tooLarge) }
        if size > limits.streamAbove {
            guard let stream = try repo.blobStream(id, wholeLimit: limits.maxRebuiltBytes) else { return .skipped(.deltaTooLarge) }
            // Read again from the start for a stream found after other bytes (an installer's payload).
            let reopen = { () -> ByteSource? in
                guard let again = try? repo.blobStream(id, wholeLimit: limits.maxRebuiltBytes) else { return nil }
                return { again.read(into: $0) }
            }
            return .scanned(settings.scanner.read(size: stream.size, from: { stream.read(into: $0) }, limits: limits, scratch: scratch,
                                                  reopen: reopen))
        }
        return try repo.withBlobBytes(id) { .scanned(settings.scanner.read($0, limits: limits, scratch: scratch)) }
    }
}

struct CommitWork: Sendable {
    var id: ObjectID
    var messageCandidates: [Candidate]
    /// What its names hold, when anything (rare: nil keeps each commit's work small).
    var names: NameWork?
    var added: [([UInt8], ObjectID)] = []
    /// The versions this commit replaces or deletes, with the paths they stood at.
    var replaced: [([UInt8], ObjectID)] = []
}

enum BlobResult: Sendable {
    case scanned(BlobScan)
    case skipped(Finding.SkipReason)

    var hasCandidates: Bool { !candidates.isEmpty }
    var candidates: [Candidate] { if case let .scanned(scan) = self { scan.candidates } else { [] } }
}

/// Commits handed from a walk on one thread to a worker on another, in batches; once
/// finished, the worker gets nothing more (what is left is done later, on every core).
final class CommitFeed: Sendable {
    private let state = Mutex<(pending: [ObjectID], head: Int, finished: Bool, began: Bool)>(([], 0, false, false))
    private let ready = DispatchSemaphore(value: 0)
    static let batch = 64
    let batch: Int

    init(batch: Int = CommitFeed.batch) {
        self.batch = max(1, batch)
    }

    func append(_ id: ObjectID) {
        let signal = state.withLock { state -> Bool in
            state.pending.append(id)
            return state.pending.count - state.head == self.batch
        }
        if signal { ready.signal() }
    }

    /// The worker starts: false when the feed was finished first (then it must do nothing).
    func begin() -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            state.began = true
            return true
        }
    }

    /// No more commits; whether a worker began (and so is to be waited for).
    func finish() -> Bool {
        let began = state.withLock { state in
            state.finished = true
            return state.began
        }
        ready.signal()
        return began
    }

    /// The next batch (one, however many wait: the walk may end any time, and the worker is
    /// not to hold the other threads up long after), waiting for one; nil once finished.
    func take() -> [ObjectID]? {
        while true {
            let got = state.withLock { state -> [ObjectID]?? in
                if state.finished { return .some(nil) }
                guard state.pending.count - state.head >= self.batch else { return nil }
                let taken = Array(state.pending[state.head..<(state.head + self.batch)])
                state.head += self.batch
                return taken
            }
            if let got { return got }
            ready.wait()
        }
    }
}

/// Repository handles, one per worker; each is used by one thread at a time.
final class Handles: @unchecked Sendable {
    let repositories: [Repository]
    init(count: Int, open: () throws(GitError) -> Repository) throws(GitError) {
        var list: [Repository] = []
        for _ in 0..<max(1, count) { list.append(try open()) }
        repositories = list
    }
}

/// Runs `body` over contiguous slices of `0..<count`, one worker per handle (libgit2 objects
/// are not shared between threads), and joins the results in order.
func parallel<T: Sendable>(count: Int, handles: Handles,
                           _ body: @escaping @Sendable (Repository, Range<Int>) throws -> [T]) throws(GitError) -> [T] {
    guard count > 0 else { return [] }
    let workers = max(1, min(handles.repositories.count, count))
    let chunk = (count + workers - 1) / workers
    let results = Mutex<[Int: [T]]>([:])
    let failure = Mutex<GitError?>(nil)
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        let range = (worker * chunk)..<min(count, (worker + 1) * chunk)
        guard !range.isEmpty else { return }
        do {
            let out = try body(handles.repositories[worker], range)
            results.withLock { $0[worker] = out }
        } catch let error as GitError {
            failure.withLock { if $0 == nil { $0 = error } }
        } catch {
            failure.withLock { if $0 == nil { $0 = GitError(kind: .other, message: "\(error)") } }
        }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    return results.withLock { dict in (0..<workers).flatMap { dict[$0] ?? [] } }
}

