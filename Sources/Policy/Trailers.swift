// Commit-message trailers found exactly as `git interpret-trailers --parse` finds them with
// default configuration (git 2.39 trailer.c, commit.c ignore_non_trailer, wt-status.c cut
// line): the block at the end, the `---` divider, comments, continuation lines, the 25% rule.

/// One `key: value` trailer, as git prints it: key and value trimmed, value unfolded.
public struct Trailer: Sendable, Hashable {
    public var rawKey: [UInt8]
    public var rawValue: [UInt8]

    public init(rawKey: [UInt8], rawValue: [UInt8]) {
        self.rawKey = rawKey
        self.rawValue = rawValue
    }

    public init(key: String, value: String) { self.init(rawKey: Array(key.utf8), rawValue: Array(value.utf8)) }

    public var key: String { String(decoding: rawKey, as: UTF8.self) }
    public var value: String { String(decoding: rawValue, as: UTF8.self) }

    /// The address in a `Name <email>` value (the last `<…>` closing the value), or the whole
    /// value when it is a bare address (`name@host`, no spaces); nil otherwise.
    public var email: String? { Trailer.email(in: value) }

    public static func email(in value: String) -> String? {
        let bytes = Array(value.utf8)
        var end = bytes.count
        while end > 0 && isGitSpace(bytes[end - 1]) { end -= 1 }
        var start = 0
        while start < end && isGitSpace(bytes[start]) { start += 1 }
        guard start < end else { return nil }
        if bytes[end - 1] == UInt8(ascii: ">") {
            guard let open = bytes[start..<(end - 1)].lastIndex(of: UInt8(ascii: "<")) else { return nil }
            let address = bytes[(open + 1)..<(end - 1)]
            guard !address.isEmpty, address.contains(UInt8(ascii: "@")),
                  !address.contains(where: { isGitSpace($0) || $0 == UInt8(ascii: "<") }) else { return nil }
            return String(decoding: address, as: UTF8.self)
        }
        let whole = bytes[start..<end]
        guard whole.contains(UInt8(ascii: "@")),
              !whole.contains(where: { isGitSpace($0) || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else { return nil }
        return String(decoding: whole, as: UTF8.self)
    }
}

/// git's trailer parser. `separators` is git's `trailer.separators` (default `:`); the first
/// one is what `render` prints. `commentCharacter` is git's `core.commentChar` (default `#`).
public struct TrailerParser: Sendable {
    public var separators: [UInt8]
    public var commentCharacter: UInt8

    public init(separators: String = ":", commentCharacter: UInt8 = UInt8(ascii: "#")) {
        let bytes = Array(separators.utf8).filter { $0 != 0 }
        self.separators = bytes.isEmpty ? [UInt8(ascii: ":")] : bytes
        self.commentCharacter = commentCharacter
    }

    /// Lines git itself writes, which let a block be mostly non-trailers (the 25% rule).
    static let gitGeneratedPrefixes: [[UInt8]] = [Array("Signed-off-by: ".utf8), Array("(cherry picked from commit ".utf8)]
    static let cutLine = Array(" ------------------------ >8 ------------------------".utf8)

    public func parse(_ message: String) -> [Trailer] { parse(Array(message.utf8)) }

    /// The trailers of `message`, in order. Like git, the message ends at its first NUL.
    public func parse(_ message: [UInt8]) -> [Trailer] {
        var buf = message
        if let nul = buf.firstIndex(of: 0) { buf.removeSubrange(nul...) }
        let length = buf.count
        buf.append(0)   // git reads a C string: the scans below stop at this NUL, never past it
        return buf.withUnsafeBufferPointer { b in
            let patchStart = findPatchStart(b, length)
            let trailerEnd = patchStart - ignoreNonTrailer(b, patchStart)
            let trailerStart = findTrailerStart(b, trailerEnd)
            return trailers(b, from: trailerStart, to: trailerEnd)
        }
    }

    /// What `git interpret-trailers --parse` prints for these trailers.
    public func render(_ trailers: [Trailer]) -> [UInt8] {
        var out: [UInt8] = []
        for trailer in trailers {
            guard let last = trailer.rawKey.last(where: { !isGitSpace($0) }) else { continue }
            out += trailer.rawKey
            if !separators.contains(last) { out += [separators[0], 0x20] }
            out += trailer.rawValue
            out.append(0x0A)
        }
        return out
    }

    // MARK: - git's scans, index for index. `b` ends with a NUL at `b.count - 1`.

    @inline(__always) private func at(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt8 { i < b.count ? b[i] : 0 }

    /// Start of the line after the one at `i` (or the NUL), like `next_line`.
    private func nextLine(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while at(b, j) != 0 && at(b, j) != 0x0A { j += 1 }
        return at(b, j) == 0x0A ? j + 1 : j
    }

    /// Start of the last line of `b[0..<len]`, -1 when empty; a final LF belongs to that line.
    private func lastLine(_ b: UnsafeBufferPointer<UInt8>, _ len: Int) -> Int {
        if len <= 0 { return -1 }
        if len == 1 { return 0 }
        var i = len - 2
        while i >= 0 {
            if b[i] == 0x0A { return i + 1 }
            i -= 1
        }
        return 0
    }

    private func isBlankLine(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        var j = i
        while at(b, j) != 0 && at(b, j) != 0x0A && isGitSpace(at(b, j)) { j += 1 }
        return at(b, j) == 0 || at(b, j) == 0x0A
    }

    private func startsWith(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ prefix: [UInt8]) -> Bool {
        for (k, c) in prefix.enumerated() where at(b, i + k) != c { return false }
        return true
    }

    /// git's find_separator: position of the separator after `token[ws]`, -1 if not a trailer.
    private func findSeparator(_ b: UnsafeBufferPointer<UInt8>, _ line: Int) -> Int {
        var whitespaceFound = false
        var c = line
        while at(b, c) != 0 {
            let ch = at(b, c)
            if separators.contains(ch) { return c - line }
            if !whitespaceFound && (isAlpha(ch) || isDigit(ch) || ch == UInt8(ascii: "-")) {
                c += 1
                continue
            }
            if c != line && (ch == 0x20 || ch == 0x09) {
                whitespaceFound = true
                c += 1
                continue
            }
            break
        }
        return -1
    }

    /// The first line starting `---` plus whitespace (a patch), or the end.
    private func findPatchStart(_ b: UnsafeBufferPointer<UInt8>, _ length: Int) -> Int {
        var s = 0
        while at(b, s) != 0 {
            if startsWith(b, s, Array("---".utf8)) && isGitSpace(at(b, s + 3)) { return s }
            s = nextLine(b, s)
        }
        return s
    }

    /// wt_status_locate_end: where a `# ---- >8 ----` scissors line cuts the message. Like git it
    /// searches the whole string, so the cut can lie beyond `len`.
    private func locateEnd(_ b: UnsafeBufferPointer<UInt8>, _ len: Int) -> Int {
        let pattern = [0x0A, commentCharacter] + TrailerParser.cutLine
        if startsWith(b, 0, Array(pattern.dropFirst())) { return 0 }
        let total = b.count - 1
        if total >= pattern.count {
            var i = 0
            while i + pattern.count <= total {
                if b[i] == 0x0A && startsWith(b, i, pattern) { return i + 1 }
                i += 1
            }
        }
        return len
    }

    /// commit.c ignore_non_trailer: the length of trailing comments, blank lines and an old
    /// `Conflicts:` block, which are not part of the trailer block.
    private func ignoreNonTrailer(_ b: UnsafeBufferPointer<UInt8>, _ len: Int) -> Int {
        var boc = 0
        var bol = 0
        var inOldConflictsBlock = false
        let cutoff = locateEnd(b, len)
        while bol < cutoff {
            var next = bol
            while next < len && b[next] != 0x0A { next += 1 }
            next = next < len ? next + 1 : len
            // git would loop forever here (a scissors line after `---`); stop instead.
            if next == bol { break }
            let c = at(b, bol)
            if c == commentCharacter || c == 0x0A {
                if boc == 0 { boc = bol }
            } else if startsWith(b, bol, Array("Conflicts:\n".utf8)) {
                inOldConflictsBlock = true
                if boc == 0 { boc = bol }
            } else if inOldConflictsBlock && c == 0x09 {
                // a path in the conflicts block
            } else if boc != 0 {
                boc = 0
                inOldConflictsBlock = false
            }
            bol = next
        }
        return boc != 0 ? len - boc : len - cutoff
    }

    /// trailer.c find_trailer_start: the start of the trailer block, or `len` when none.
    private func findTrailerStart(_ b: UnsafeBufferPointer<UInt8>, _ len: Int) -> Int {
        var onlySpaces = true
        var recognizedPrefix = false
        var trailerLines = 0
        var nonTrailerLines = 0
        var possibleContinuationLines = 0

        // The first paragraph is the title and cannot hold trailers.
        var s = 0
        while s < len {
            if at(b, s) != commentCharacter && isBlankLine(b, s) { break }
            s = nextLine(b, s)
        }
        let endOfTitle = s

        var l = lastLine(b, len)
        outer: while l >= endOfTitle {
            defer { l = lastLine(b, l) }
            let bol = l
            if at(b, bol) == commentCharacter {
                nonTrailerLines += possibleContinuationLines
                possibleContinuationLines = 0
                continue
            }
            if isBlankLine(b, bol) {
                if onlySpaces { continue }
                nonTrailerLines += possibleContinuationLines
                if recognizedPrefix && trailerLines * 3 >= nonTrailerLines { return nextLine(b, bol) }
                if trailerLines > 0 && nonTrailerLines == 0 { return nextLine(b, bol) }
                return len
            }
            onlySpaces = false
            for prefix in TrailerParser.gitGeneratedPrefixes where startsWith(b, bol, prefix) {
                trailerLines += 1
                possibleContinuationLines = 0
                recognizedPrefix = true
                continue outer
            }
            let separatorPosition = findSeparator(b, bol)
            if separatorPosition >= 1 && !isGitSpace(at(b, bol)) {
                trailerLines += 1
                possibleContinuationLines = 0
            } else if isGitSpace(at(b, bol)) {
                possibleContinuationLines += 1
            } else {
                nonTrailerLines += 1 + possibleContinuationLines
                possibleContinuationLines = 0
            }
        }
        return len
    }

    /// trailer_info_get + parse_trailer + unfold_value over the block.
    private func trailers(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> [Trailer] {
        guard start < end else { return [] }
        // Split into lines (each keeping its LF); a line starting with whitespace continues the
        // previous one when that one is a trailer.
        var entries: [[UInt8]] = []
        var lastIsTrailer = false
        var i = start
        while i < end {
            var j = i
            while j < end && b[j] != 0x0A { j += 1 }
            if j < end { j += 1 }
            let line = Array(UnsafeBufferPointer(rebasing: b[i..<j]))
            if lastIsTrailer, let first = line.first, isGitSpace(first) {
                entries[entries.count - 1] += line
            } else {
                entries.append(line)
                lastIsTrailer = line.withUnsafeBufferPointer { findSeparator($0, 0) } >= 1
            }
            i = j
        }
        var result: [Trailer] = []
        for entry in entries {
            if entry.first == commentCharacter { continue }
            let position = entry.withUnsafeBufferPointer { findSeparator($0, 0) }
            guard position >= 1 else { continue }
            let key = trim(entry[..<position])
            let value = unfold(trim(entry[(position + 1)...]))
            result.append(Trailer(rawKey: key, rawValue: value))
        }
        return result
    }

    private func trim(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var lo = s.startIndex
        var hi = s.endIndex
        while hi > lo && isGitSpace(s[hi - 1]) { hi -= 1 }
        while lo < hi && isGitSpace(s[lo]) { lo += 1 }
        return Array(s[lo..<hi])
    }

    /// Continuation lines collapse to one space each.
    private func unfold(_ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var i = 0
        while i < value.count {
            let c = value[i]
            i += 1
            if c == 0x0A {
                while i < value.count && isGitSpace(value[i]) { i += 1 }
                out.append(0x20)
            } else {
                out.append(c)
            }
        }
        return trim(out[...])
    }
}
