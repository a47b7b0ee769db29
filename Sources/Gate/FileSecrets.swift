#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Git
import Secrets
import Synchronization

/// Secrets in files on disk (`reviewgate scan`): directories walked without following
/// symlinks, `.git` and git-ignored paths left out, every file read once, on every core.
public struct FileSecrets: Sendable {
    public let settings: SecretSettings

    public init(settings: SecretSettings) {
        self.settings = settings
    }

    /// Scans the files under `roots` (files or directories): findings in path order, and how
    /// many files were read. `repository`, when given, supplies the ignore rules; `workTree`
    /// is its work directory. Directories are read and files scanned on every core at once:
    /// a worker takes the next batch of files (opened relative to their directory, so the
    /// kernel does not walk the whole path again for each), or else the next directory.
    public func scan(under roots: [String], repository: Repository?, workTree: String?, threads: Int = 2) throws(GitError) -> (findings: [Finding], files: Int) {
        let walk = TreeWalk(workers: threads)
        for root in roots {
            var info = stat()
            guard lstat(root, &info) == 0 else {
                throw GitError(kind: .notFound, message: "cannot read \(root): \(String(cString: strerror(errno)))")
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                walk.add(directory: Array(root.utf8))
            } else if info.st_mode & S_IFMT == S_IFREG {
                walk.add(files: [Array(root.utf8)], in: nil)
            }
        }
        let settings = self.settings
        let ignores: IgnoreRules? = if let repository { try IgnoreRules(repository: repository, workTree: workTree ?? "") } else { nil }
        let results = Mutex<[Finding]>([])
        let failure = Mutex<GitError?>(nil)
        let scanned = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            let scratch = MatchScratch()
            let buffer = ReadBuffer()
            var out: [Finding] = []
            // Every name this worker met (files and subdirectories), judged in one search at
            // the end: a search per directory cost more than the names' bytes.
            var seenNames: [(parent: [UInt8]?, name: [UInt8])] = []
            var count = 0
            while let item = walk.next() {
                switch item {
                case let .files(names, directory):
                    for name in names {
                        out += Self.scanFile(name, in: directory, settings: settings, scratch: scratch, buffer: buffer)
                        count += 1
                    }
                    for name in names { seenNames.append((directory?.path, name)) }
                case let .directory(directory):
                    do throws(GitError) {
                        // A directory that cannot be read is said, as an unreadable file is.
                        let (listed, subdirectories) = try walk.read(directory, ignores: ignores)
                        if !listed { out.append(.skipped(.unreadable, path: directory.path)) }
                        seenNames += subdirectories
                    } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                        walk.stop()
                    }
                    walk.finished()
                }
            }
            out += Self.pathNames(seenNames, settings: settings, scratch: scratch)
            scanned.add(count, ordering: .relaxed)
            results.withLock { $0 += out }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        let all = results.withLock { $0 }
        let sorted = all.sorted { ($0.path ?? []).lexicographicallyPrecedes($1.path ?? []) || ($0.path == $1.path && ($0.line ?? 0) < ($1.line ?? 0)) }
        return (sorted, scanned.load(ordering: .relaxed))
    }

    /// Secrets in names on disk (a token as a file or directory name), each name scanned once,
    /// where it stands; every path a report shows is redacted wherever it holds one.
    static func pathNames(_ names: [(parent: [UInt8]?, name: [UInt8])], settings: SecretSettings,
                          scratch: MatchScratch) -> [Finding] {
        Finding.secrets(inNames: names.map(\.name), commit: nil, settings: settings, scratch: scratch) { (names[$0].parent ?? []) + names[$0].name }
    }

    /// A file in `directory` (by name; nil: `name` is a whole path), opened without following
    /// a symlink put there since the directory was read, and without waiting on a FIFO.
    static func scanFile(_ name: [UInt8], in directory: OpenDirectory?, settings: SecretSettings, scratch: MatchScratch,
                         buffer: ReadBuffer) -> [Finding] {
        let path = directory.map { $0.path + name } ?? name
        let fd = (name + [0]).withUnsafeBufferPointer { buffer -> Int32 in
            let cName = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            // Non-blocking: a FIFO put where a file was listed must not hang the scan.
            return directory.map { openat($0.fd, cName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) } ?? open(cName, O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else {
            return [.skipped(.unreadable, path: path)]
        }
        defer { close(fd) }
        return scanFile(fd: fd, path: path, settings: settings, scratch: scratch, buffer: buffer)
    }

    static func scanFile(fd: Int32, path: [UInt8], settings: SecretSettings, scratch: MatchScratch,
                         buffer: ReadBuffer) -> [Finding] {
        let text = String(decoding: path, as: UTF8.self)
        let limits = settings.readLimits
        let scan: BlobScan
        // Most files are small: one read into the worker's buffer shows the whole file (a
        // short read of a regular file is its end), with no fstat and no new buffer per file.
        let first = buffer.readStart(fd)
        if first >= 0, first < ReadBuffer.start {
            scan = settings.scanner.read(UnsafeRawBufferPointer(rebasing: buffer.bytes[..<first]), limits: limits, scratch: scratch)
            return findings(scan, path: path, text: text, settings: settings, scratch: scratch)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        if Int(info.st_size) > settings.maxFileBytes {
            // Not read; reported as the reader reports what is over the limit (and its name
            // still judged by the path rules, as for a blob).
            return findings(BlobScan(unscannable: [([], .tooLarge)]), path: path, text: text, settings: settings, scratch: scratch)
        }
        if Int(info.st_size) > limits.streamAbove {
            guard lseek(fd, 0, SEEK_SET) == 0 else { return [.skipped(.unreadable, path: path)] }
            // Large files are read in windows, as large blobs are (SPEC §1.3).
            let source: ByteSource = { out in
                var n = 0
                repeat { n = read(fd, out.baseAddress, out.count) } while n < 0 && errno == EINTR
                return n < 0 ? Archives.Problem.corrupt.code : n
            }
            // Read again from the start for a stream found after other bytes (an installer's payload).
            scan = settings.scanner.read(size: Int(info.st_size), from: source, limits: limits, scratch: scratch,
                                         reopen: { lseek(fd, 0, SEEK_SET) == 0 ? source : nil })
        } else {
            // The rest, after what the first read brought.
            let filled = buffer.readRest(fd, from: max(0, first), size: Int(info.st_size))
            // Read as the hook reads a blob (SPEC §1.3): archives, UTF-16, binary, encodings.
            scan = settings.scanner.read(UnsafeRawBufferPointer(rebasing: buffer.bytes[..<filled]), limits: limits, scratch: scratch)
        }
        return findings(scan, path: path, text: text, settings: settings, scratch: scratch)
    }

    /// What a file's scan reports.
    private static func findings(_ scan: BlobScan, path: [UInt8], text: String, settings: SecretSettings, scratch: MatchScratch) -> [Finding] {
        let context = ScanContext(path: text)
        var findings: [Finding] = []
        findings += Finding.readProblems(scan, commit: nil, path: path, settings: settings)
        for match in settings.scanner.accept(scan.candidates, context: context, scratch: scratch, includingSuppressed: true) {
            let fingerprint = settings.fingerprinter.fingerprint(rule: match.ruleID, secret: match.secret)
            findings.append(Finding.reported(match, fingerprint: fingerprint, commit: nil, path: path, location: .content,
                                             settings: settings))
        }
        findings += Finding.pathRules(at: path, scan: scan, commit: nil, settings: settings, scratch: scratch)
        return findings
    }
}

extension Finding {
    /// A secret finding: the rule, where, and only the redacted form and fingerprint.
    /// Its severity follows the rule's confidence and the settings' `block`.
    static func secret(_ match: SecretMatch, fingerprint: String, commit: String?, path: [UInt8]?,
                       location: Location, settings: SecretSettings) -> Finding {
        let rule = settings.scanner.rule(id: match.ruleID)
        let (severity, confidence) = settings.severity(of: match.ruleID)
        var finding = Finding(kind: .secret, severity: severity, rule: match.ruleID, commit: commit,
                              path: path.map { $0 + (match.member ?? []) },
                              line: match.line, column: match.column, location: location,
                              redacted: Redaction.redact(match.secret), fingerprint: fingerprint,
                              message: rule.map { $0.description.isEmpty ? $0.id : $0.description } ?? match.ruleID)
        finding.encoding = match.encoding
        finding.confidence = confidence?.rawValue
        return finding
    }

    /// A match as reported: a secret finding, or a note when an inline marker, an allowlist or
    /// the baseline suppressed it, so suppression is never silent (SPEC §1.3).
    static func reported(_ match: SecretMatch, fingerprint: String, commit: String?, path: [UInt8]?,
                         location: Location, settings: SecretSettings) -> Finding {
        var finding = secret(match, fingerprint: fingerprint, commit: commit, path: path, location: location, settings: settings)
        if let suppressed = suppression(of: match, fingerprint: fingerprint, settings: settings) {
            finding.severity = .note
            finding.suppressed = suppressed
        }
        return finding
    }

    /// What suppressed a match, if anything.
    static func suppression(of match: SecretMatch, fingerprint: String, settings: SecretSettings) -> Suppression? {
        switch match.suppressed {
        case .inline?: .inline
        case .allowlist?: .allowlist
        case nil: settings.baseline.contains(fingerprint) ? .baseline : nil
        }
    }

    /// What reading a blob or file at `path` could not do: a line a rule gave up on (a
    /// warning), and each part that could not be read in full (at `[secrets] unscannable`).
    static func readProblems(_ scan: BlobScan, commit: String?, path: [UInt8], settings: SecretSettings) -> [Finding] {
        (scan.partly ? [.skipped(.regexLimit, commit: commit, path: path)] : [])
            + scan.unscannable.map { .skipped(.init($0.problem), commit: commit, path: path + $0.member, severity: settings.unscannable) }
    }

    /// The path-only rules that the file at `path` matches, and those its archive members
    /// match when it was read (`scan`): a member is a file like any other.
    static func pathRules(at path: [UInt8], scan: BlobScan?, commit: String?, settings: SecretSettings,
                          scratch: MatchScratch) -> [Finding] {
        let text = String(decoding: path, as: UTF8.self)
        let own = settings.scanner.pathFindings(ScanContext(path: text, commit: commit), scratch: scratch).map { ([UInt8](), $0) }
        let members = scan.map { settings.scanner.memberPathFindings($0, path: text, scratch: scratch) } ?? []
        return (own + members).map { pathRule($0.1, commit: commit, path: path + $0.0, settings: settings) }
            + memberNames(at: path, scan: scan, commit: commit, settings: settings, scratch: scratch)
    }

    /// Secrets in the names of an archive's members (a token as a member's file name): no
    /// diff shows them, the member's content is scanned and its name is a place too.
    static func memberNames(at path: [UInt8], scan: BlobScan?, commit: String?, settings: SecretSettings,
                            scratch: MatchScratch) -> [Finding] {
        guard let members = scan?.members, !members.isEmpty else { return [] }
        return secrets(inNames: members, commit: commit, settings: settings, scratch: scratch) { path + members[$0] }
    }

    /// The secrets in `names`, searched together, each reported at `place(index)` with
    /// location `path` (a note where an allowlist or marker suppressed it).
    static func secrets(inNames names: [[UInt8]], commit: String?, settings: SecretSettings, scratch: MatchScratch,
                        place: (Int) -> [UInt8]) -> [Finding] {
        let scanner = settings.scanner
        var findings: [Finding] = []
        for found in scanner.pathCandidates(names, scratch: scratch) {
            let path = place(found.path)
            let context = ScanContext(path: String(decoding: path, as: UTF8.self), commit: commit)
            for match in scanner.accept([found.candidate], context: context, scratch: scratch, includingSuppressed: true) {
                let fingerprint = settings.fingerprinter.fingerprint(rule: match.ruleID, secret: match.secret)
                findings.append(.reported(match, fingerprint: fingerprint, commit: commit, path: path, location: .path, settings: settings))
            }
        }
        return findings
    }

    /// A file that a path-only rule names (a committed `.pem`), judged like any secret.
    static func pathRule(_ rule: String, commit: String?, path: [UInt8], settings: SecretSettings) -> Finding {
        let (severity, confidence) = settings.severity(of: rule)
        var finding = Finding(kind: .secret, severity: severity, rule: rule, commit: commit, path: path, location: .content,
                              message: "file matches the path rule '\(rule)'")
        finding.confidence = confidence?.rawValue
        return finding
    }
}

/// One worker's buffer for reading files whole, grown as needed and kept between files.
final class ReadBuffer {
    /// The first read asks for this much: a file shorter than it needs nothing more.
    static let start = 64 << 10
    private(set) var bytes: UnsafeMutableRawBufferPointer

    init() {
        bytes = .allocate(byteCount: Self.start, alignment: 16)
    }

    deinit { bytes.deallocate() }

    /// One read of up to `start` bytes from the beginning: the count, or -1 on an error. A
    /// regular file gives less only at its end, so a short count is the whole file.
    func readStart(_ fd: Int32) -> Int {
        var n = 0
        repeat { n = read(fd, bytes.baseAddress!, Self.start) } while n < 0 && errno == EINTR
        return n
    }

    /// Reads on from `from` up to `size` bytes in all (growing the buffer); the bytes held.
    func readRest(_ fd: Int32, from: Int, size: Int) -> Int {
        if size > bytes.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            if from > 0 { grown.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: from) }
            bytes.deallocate()
            bytes = grown
        }
        return max(from, fill(fd, from: from, to: size))
    }

    /// Reads into `from..<to` until it is full or the file ends: the bytes then held.
    private func fill(_ fd: Int32, from: Int, to: Int) -> Int {
        var filled = from
        while filled < to {
            let n = read(fd, bytes.baseAddress! + filled, to - filled)
            if n < 0, errno == EINTR { continue }
            if n < 0 { return filled == 0 ? -1 : filled }
            if n == 0 { break }
            filled += n
        }
        return filled
    }
}
