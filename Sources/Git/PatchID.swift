import CLibGit2
import Crypto

extension Repository {
    /// The stable patch id of a commit: what `git diff-tree -p --full-index <commit> |
    /// git patch-id --stable` prints (no rename detection, as diff-tree's default; full blob
    /// ids in the index lines, which only binary files' ids depend on). For a commit without
    /// binary files this is also what `git show --no-renames <commit> | git patch-id --stable`
    /// prints. Nil for a merge (diff-tree prints no patch for one) and for a commit that
    /// changes nothing. The patch text is made as git makes it, line diffs by libgit2's copy
    /// of git's xdiff (Myers, indent heuristic, 3 lines of context), then hashed by a port of
    /// git's `get_one_patchid`.
    public func patchID(of commitID: ObjectID) throws(GitError) -> ObjectID? {
        let links = try commitLinks(commitID)
        guard links.parents.count <= 1 else { return nil }
        var parentTrees: [ObjectID] = []
        if let parent = links.parents.first, !shallowCommits.contains(commitID) {
            parentTrees.append(try commitLinks(parent).tree)
        }
        var changes = try changes(tree: links.tree, parentTrees: parentTrees, detectRenames: false)
        // diff-tree's queue order: full paths bytewise (git's tree order, flattened).
        changes.sort { $0.path.lexicographicallyPrecedes($1.path) }
        var hasher = PatchIDHasher()
        for change in changes {
            // A change of kind (file, symlink, submodule) is shown as a deletion and a creation.
            if change.oldMode != .absent, change.newMode != .absent, change.oldMode.kind != change.newMode.kind {
                try appendPatch(path: change.path, oldMode: change.oldMode, oldID: change.oldID, newMode: .absent,
                                newID: .zero, to: &hasher)
                try appendPatch(path: change.path, oldMode: .absent, oldID: .zero, newMode: change.newMode,
                                newID: change.newID, to: &hasher)
            } else {
                try appendPatch(path: change.path, oldMode: change.oldMode, oldID: change.oldID, newMode: change.newMode,
                                newID: change.newID, to: &hasher)
            }
        }
        return hasher.finish()
    }

    /// Feeds the patch of one file pair, as `git diff-tree -p --full-index` writes it.
    private func appendPatch(path: [UInt8], oldMode: FileMode, oldID: ObjectID, newMode: FileMode,
                             newID: ObjectID, to hasher: inout PatchIDHasher) throws(GitError) {
        let a = quoteTwo("a/", path), b = quoteTwo("b/", path)
        hasher.line(Array("diff --git ".utf8) + a + [32] + b)
        let zero = String(repeating: "0", count: 40)
        if oldMode == .absent {
            hasher.line("new file mode \(newMode)")
            hasher.line("index \(zero)..\(newID.hex)")
        } else if newMode == .absent {
            hasher.line("deleted file mode \(oldMode)")
            hasher.line("index \(oldID.hex)..\(zero)")
        } else {
            if oldMode != newMode {
                hasher.line("old mode \(oldMode)")
                hasher.line("new mode \(newMode)")
            }
            // A mode change alone shows no index line and no content.
            guard oldID != newID else { return }
            hasher.line("index \(oldID.hex)..\(newID.hex)" + (oldMode == newMode ? " \(newMode)" : ""))
        }
        let old = try content(oldMode, oldID)
        let new = try content(newMode, newID)
        let binary = old.withUnsafeBytes(Blob.isBinary) || new.withUnsafeBytes(Blob.isBinary)
        if binary {
            let from = oldMode == .absent ? Array("/dev/null".utf8) : a
            let to = newMode == .absent ? Array("/dev/null".utf8) : b
            hasher.line(Array("Binary files ".utf8) + from + Array(" and ".utf8) + to + Array(" differ".utf8))
            return
        }
        let hunks = try lineDiff(old, new)
        // The --- and +++ lines come with the first hunk: an empty file added shows none.
        guard !hunks.isEmpty else { return }
        hasher.line(Array("--- ".utf8) + (oldMode == .absent ? Array("/dev/null".utf8) : a))
        hasher.line(Array("+++ ".utf8) + (newMode == .absent ? Array("/dev/null".utf8) : b))
        for hunk in hunks {
            hasher.line("@@ -\(hunk.oldStart),\(hunk.oldLines) +\(hunk.newStart),\(hunk.newLines) @@")
            for line in hunk.lines { hasher.line(line) }
        }
    }

    /// What git diffs for an entry: a blob's bytes, or "Subproject commit <id>" for a gitlink.
    private func content(_ mode: FileMode, _ id: ObjectID) throws(GitError) -> [UInt8] {
        if mode == .absent { return [] }
        if mode == .gitlink { return Array("Subproject commit \(id.hex)\n".utf8) }
        return try blob(id).bytes
    }
}

struct DiffHunk {
    var oldStart: Int, oldLines: Int, newStart: Int, newLines: Int
    /// Each line with its origin (`+`, `-`, ` `) and its text, without the end-of-file marker.
    var lines: [[UInt8]] = []
}

/// Collects hunks and lines from libgit2's diff callbacks.
private final class HunkCollector {
    var hunks: [DiffHunk] = []
}

/// The line diff of two texts by libgit2's xdiff, with git's defaults for `diff-tree -p`.
func lineDiff(_ old: [UInt8], _ new: [UInt8]) throws(GitError) -> [DiffHunk] {
    _ = LibGit2.initialized
    var options = git_diff_options()
    try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "cannot set up a diff")
    options.flags = GIT_DIFF_FORCE_TEXT.rawValue | GIT_DIFF_INDENT_HEURISTIC.rawValue
    options.context_lines = 3
    options.interhunk_lines = 0
    let collector = HunkCollector()
    let payload = Unmanaged.passUnretained(collector).toOpaque()
    let hunkCallback: git_diff_hunk_cb = { _, hunk, payload in
        guard let hunk, let payload else { return 0 }
        let collector = Unmanaged<HunkCollector>.fromOpaque(payload).takeUnretainedValue()
        collector.hunks.append(DiffHunk(oldStart: Int(hunk.pointee.old_start), oldLines: Int(hunk.pointee.old_lines),
                                        newStart: Int(hunk.pointee.new_start), newLines: Int(hunk.pointee.new_lines)))
        return 0
    }
    let lineCallback: git_diff_line_cb = { _, _, line, payload in
        guard let line, let payload else { return 0 }
        let collector = Unmanaged<HunkCollector>.fromOpaque(payload).takeUnretainedValue()
        let origin = UInt8(bitPattern: line.pointee.origin)
        // Only content lines: the "\ No newline at end of file" markers are skipped by
        // patch-id, and so here.
        guard origin == 43 || origin == 45 || origin == 32, !collector.hunks.isEmpty else { return 0 }
        var text = [origin]
        if let content = line.pointee.content, line.pointee.content_len > 0 {
            content.withMemoryRebound(to: UInt8.self, capacity: line.pointee.content_len) {
                text.append(contentsOf: UnsafeBufferPointer(start: $0, count: line.pointee.content_len))
            }
        }
        if text.last == 10 { text.removeLast() }
        collector.hunks[collector.hunks.count - 1].lines.append(text)
        return 0
    }
    let code = old.withUnsafeBytes { o in
        new.withUnsafeBytes { n in
            git_diff_buffers(o.baseAddress, o.count, nil, n.baseAddress, n.count, nil, &options,
                             nil, nil, hunkCallback, lineCallback, payload)
        }
    }
    try check(code, "cannot diff two blobs")
    return collector.hunks
}

/// git's `quote_two` with core.quotePath on: the prefix and name in C-style quotes when the
/// name holds a control character, `"`, `\`, DEL or a byte of 0x80 and above.
func quoteTwo(_ prefix: String, _ name: [UInt8]) -> [UInt8] {
    let needs = name.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c || $0 >= 0x7f }
    guard needs else { return Array(prefix.utf8) + name }
    var out: [UInt8] = [0x22] + Array(prefix.utf8)
    for c in name {
        switch c {
        case 7: out += Array("\\a".utf8)
        case 8: out += Array("\\b".utf8)
        case 9: out += Array("\\t".utf8)
        case 10: out += Array("\\n".utf8)
        case 11: out += Array("\\v".utf8)
        case 12: out += Array("\\f".utf8)
        case 13: out += Array("\\r".utf8)
        case 0x22: out += Array("\\\"".utf8)
        case 0x5c: out += Array("\\\\".utf8)
        case let c where c < 0x20 || c >= 0x7f:
            out += [0x5c, 48 + (c >> 6), 48 + (c >> 3 & 7), 48 + (c & 7)]
        default: out.append(c)
        }
    }
    out.append(0x22)
    return out
}

/// A port of git's `get_one_patchid` (builtin/patch-id.c, v2.39) in `--stable` mode, fed one
/// patch line at a time: whitespace is dropped, index lines are skipped (their ids hashed only
/// for binary files), hunk headers skipped, and each file's hash summed into the result with
/// carry, so the order of files does not matter.
struct PatchIDHasher {
    private var context = Insecure.SHA1()
    private var result = [UInt8](repeating: 0, count: 20)
    private var patchLength = 0
    private var before = -1
    private var after = -1
    private var binary = false
    private var preID: [UInt8] = []
    private var postID: [UInt8] = []
    private var done = false

    mutating func line(_ text: String) { line(Array(text.utf8)) }

    mutating func line(_ text: [UInt8]) {
        guard !done else { return }
        func starts(_ prefix: String) -> Bool { text.starts(with: prefix.utf8) }
        if starts("\\ "), text.count + 1 > 12 { return }
        if patchLength == 0, !starts("diff ") { return }
        if before == -1 {
            if starts("GIT binary patch") || starts("Binary files") {
                binary = true
                before = 0
                context.update(data: preID)
                context.update(data: postID)
                flush()
                return
            } else if starts("index ") {
                let rest = text.dropFirst(6)
                if let dots = rest.firstRange(of: Array("..".utf8)) {
                    let afterDots = rest[dots.upperBound...]
                    let end = afterDots.firstIndex(of: 32) ?? afterDots.endIndex
                    preID = Array(rest[rest.startIndex..<dots.lowerBound])
                    postID = Array(afterDots[afterDots.startIndex..<end])
                }
                return
            } else if starts("--- ") {
                before = 1
                after = 1
            } else if !(text.first.map(isAlpha) ?? false) {
                done = true
                return
            }
        }
        if binary {
            if starts("diff ") {
                binary = false
                before = -1
            }
            return
        }
        if before == 0 && after == 0 {
            if starts("@@ -") {
                scanHunkHeader(text)
                return
            }
            guard starts("diff ") else {
                done = true
                return
            }
            flush()
            before = -1
            after = -1
        }
        if text.first == 45 || text.first == 32 { before -= 1 }
        if text.first == 43 || text.first == 32 { after -= 1 }
        let kept = text.filter { !isSpace($0) }
        patchLength += kept.count
        context.update(data: kept)
    }

    /// The patch id, or nil when no patch line was hashed (git prints nothing then).
    mutating func finish() -> ObjectID? {
        flush()
        guard patchLength > 0 else { return nil }
        return result.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
    }

    private mutating func flush() {
        let hash = Array(context.finalize())
        context = Insecure.SHA1()
        var carry = 0
        for i in 0..<20 {
            carry += Int(result[i]) + Int(hash[i])
            result[i] = UInt8(carry & 0xff)
            carry >>= 8
        }
    }

    private mutating func scanHunkHeader(_ text: [UInt8]) {
        var pos = 4
        func number() -> (value: Int, digits: Int) {
            var value = 0, digits = 0
            while pos < text.count, text[pos] >= 48, text[pos] <= 57 {
                value = value &* 10 &+ Int(text[pos] - 48)
                pos += 1
                digits += 1
            }
            return (value, digits)
        }
        var n = number()
        if pos < text.count, text[pos] == 44 {
            pos += 1
            n = number()
            before = n.value
        } else {
            before = 1
        }
        guard n.digits > 0, pos + 1 < text.count, text[pos] == 32, text[pos + 1] == 43 else { return }
        pos += 2
        n = number()
        if pos < text.count, text[pos] == 44 {
            pos += 1
            n = number()
            after = n.value
        } else {
            after = 1
        }
    }

    private func isAlpha(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    /// C's isspace in the C locale.
    private func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
}
