import CScan
import CSystem

/// Values built from variables (SPEC §1.3): a token split into variables that a line puts
/// back together — `A=ghp_…`, `B=…`, then `TOKEN="$A$B"` (`${A}${B}`, `$(A)$(B)`, `a + b`,
/// PHP's `$a . $b`), or one variable and a literal (`"${A}…"`, `f"{a}…"`, `a + "…"`) — is read
/// on that line with the variables' values in place. Looked for
/// only where a rule keyword opens a variable's value that no rule matched whole (the first
/// piece), or stands in the key a chain of variables is assigned to (`AWS_SECRET_ACCESS_KEY=
/// "$A$B"`): joining every `$A$B` of every script would be most of their lines.
extension Decoders {
    /// Variables whose uses are looked for in one text, at most (each use search is a pass
    /// over the text, from the variable's assignment on).
    static let maxVariableSearches = 32
    /// Variables in one chain, at most.
    static let maxChain = 16
    /// Names looked up one by one in a text before all its assignments are read at once.
    static let maxNameLookups = 32
    /// How far after its start a chain is read, at most.
    static let chainReach = 1024

    static func isIdentifierStart(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F }
    static func isIdentifier(_ c: UInt8) -> Bool { isIdentifierStart(c) || (c >= 0x30 && c <= 0x39) }

    /// Names' first literal values in one text, each looked up where the name stands as a
    /// word (`Assignments.value`) when first needed: reading every line of a file for its
    /// assignments cost about 2% of an audit, in every version of every script that uses a
    /// variable beside a keyword's value. Past `maxNameLookups` names (a text built so that
    /// each lookup reads it whole: 100,000 lines of `K="$vN$wN"`) every assignment is read
    /// once instead, so the work stays linear.
    struct NameValues {
        private var looked: [[UInt8]: [UInt8]?] = [:]
        private var all: [[UInt8]: [UInt8]]?

        mutating func value(of word: [UInt8], in b: UnsafeRawBufferPointer) -> [UInt8]? {
            if let all { return all[word] }
            if let known = looked[word] { return known }
            guard looked.count < maxNameLookups else {
                let values = Assignments.all(b)
                all = values
                return values[word]
            }
            let found = Assignments.value(of: word, in: b)
            looked[word] = .some(found)
            return found
        }

        /// The values of the names at `names` joined, or nil when one has none.
        mutating func joined(_ names: [Range<Int>], in b: UnsafeRawBufferPointer) -> [UInt8]? {
            var joined: [UInt8] = []
            for name in names {
                guard let value = value(of: Array(UnsafeRawBufferPointer(rebasing: b[name])), in: b) else { return nil }
                joined += value
            }
            return joined
        }
    }

    /// The variables assigned a literal in `b`: `NAME=value`, `NAME="value"`, `export NAME=…`,
    /// `const name = '…'`, `$name = "…"`, `name := "…"`, `#define NAME "…"`, by name (the
    /// first assignment).
    enum Assignments {
        /// Every name's first literal value, from one reading of every line.
        static func all(_ b: UnsafeRawBufferPointer) -> [[UInt8]: [UInt8]] {
            var values: [[UInt8]: [UInt8]] = [:]
            var p = 0
            while p < b.count {
                let e = Decoders.lineEnd(p, b)
                defer { p = e + 1 }
                for (name, value) in Decoders.assignments(b, line: p, end: e) {
                    let key = Array(UnsafeRawBufferPointer(rebasing: b[name]))
                    if values[key] == nil { values[key] = Array(UnsafeRawBufferPointer(rebasing: b[value])) }
                }
            }
            return values
        }

        /// The first literal value a line of `b` assigns to `name`, found without reading every
        /// line: the lines where `name` stands as a whole word, in order, until one assigns it.
        static func value(of name: [UInt8], in b: UnsafeRawBufferPointer) -> [UInt8]? {
            var from = 0
            while let i = Decoders.firstWord(name, in: b, from: from) {
                from = i + name.count
                let start = Decoders.lineStart(i, b), end = Decoders.lineEnd(i, b)
                for (assigned, value) in Decoders.assignments(b, line: start, end: end) where b[assigned].elementsEqual(name) {
                    return Array(UnsafeRawBufferPointer(rebasing: b[value]))
                }
                from = max(from, end)
            }
            return nil
        }
    }

    /// The names and literal values the line `p..<e` assigns: one statement, or several after
    /// one another (`const a = "…", b = "…";`, shell's `A=…; B=…`, `export A=… B=…`), at most
    /// `maxChain`.
    static func assignments(_ b: UnsafeRawBufferPointer, line p: Int, end e: Int) -> [(name: Range<Int>, value: Range<Int>)] {
        var found: [(name: Range<Int>, value: Range<Int>)] = []
        var from = p
        while found.count < maxChain, let one = assignment(b, line: from, end: e) {
            found.append(one)
            var k = one.value.upperBound
            if k < e, Trigger.isQuote(b[k]) { k += 1 }
            while k < e, Trigger.isBlank(b[k]) { k += 1 }
            // The next statement after a comma or a semicolon, or (shell) a blank alone.
            if k < e, b[k] == 0x2C || b[k] == 0x3B { k += 1 } else if k == one.value.upperBound || k == e { break }
            from = k
        }
        return found
    }

    /// The name and literal value the statement from `p` to the line's end `e` assigns, as
    /// `Assignments` reads lines; a Dockerfile's `ENV NAME value` and C's `#define NAME "…"` too.
    static func assignment(_ b: UnsafeRawBufferPointer, line p: Int, end e: Int) -> (name: Range<Int>, value: Range<Int>)? {
        var s = p
        // Words before the name (`export`, `const`, `local -r`): the name is the last
        // identifier before the `=`.
        var name: Range<Int>?
        while s < e {
            while s < e, Trigger.isBlank(b[s]) { s += 1 }
            if s < e, b[s] == 0x24 { s += 1 }
            guard s < e, Decoders.isIdentifierStart(b[s]) || b[s] == 0x2D else { break }
            var t = s
            while t < e, Decoders.isIdentifier(b[t]) || b[t] == 0x2D { t += 1 }
            name = s..<t
            s = t
            guard s < e, Trigger.isBlank(b[s]) else { break }
        }
        guard let name, b[name.lowerBound] != 0x2D else { return cDefine(b, line: p, end: e) }
        while s < e, Trigger.isBlank(b[s]) { s += 1 }
        if s < e, b[s] == 0x3A { s += 1 }
        guard s < e, b[s] == 0x3D, s + 1 >= e || b[s + 1] != 0x3D else { return dockerEnv(b, line: p, end: e) }
        s += 1
        while s < e, Trigger.isBlank(b[s]) { s += 1 }
        guard s < e, let value = Decoders.literal(b, at: s, end: e) else { return nil }
        return (name, value)
    }

    /// Whether `name` is written as C's macros are: upper-case letters, digits and `_`, a
    /// letter first.
    static func isMacroName(_ b: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        guard !name.isEmpty, b[name.lowerBound] >= 0x41, b[name.lowerBound] <= 0x5A else { return false }
        return name.allSatisfy { b[$0] >= 0x41 && b[$0] <= 0x5A || b[$0] >= 0x30 && b[$0] <= 0x39 || b[$0] == 0x5F }
    }

    /// C's `#define NAME "value"` (blanks allowed around the `#`): the name and the value's
    /// literal, as the preprocessor puts it wherever the name stands.
    static func cDefine(_ b: UnsafeRawBufferPointer, line p: Int, end e: Int) -> (name: Range<Int>, value: Range<Int>)? {
        var s = p
        while s < e, Trigger.isBlank(b[s]) { s += 1 }
        guard s < e, b[s] == 0x23 else { return nil }
        s += 1
        while s < e, Trigger.isBlank(b[s]) { s += 1 }
        let word = Self.defineWord
        guard s + word.count < e, word.indices.allSatisfy({ b[s + $0] == word[$0] }), Trigger.isBlank(b[s + word.count]) else { return nil }
        return nameAndValue(b, from: s + word.count, end: e)
    }

    static let defineWord = Array("define".utf8)

    /// Whether `#define` (blanks allowed around the `#`) opens the line before `k` (the start
    /// of the name it defines, blanks between).
    static func definesName(_ b: UnsafeRawBufferPointer, at k: Int) -> Bool {
        var w = k
        while w > 0, Trigger.isBlank(b[w - 1]) { w -= 1 }
        let word = defineWord
        guard w < k, w >= word.count + 1, word.indices.allSatisfy({ b[w - word.count + $0] == word[$0] }) else { return false }
        var l = w - word.count
        while l > 0, Trigger.isBlank(b[l - 1]) { l -= 1 }
        guard l > 0, b[l - 1] == 0x23 else { return false }
        l -= 1
        while l > 0, Trigger.isBlank(b[l - 1]) { l -= 1 }
        return l == 0 || b[l - 1] == 0x0A
    }

    /// A Dockerfile's `ENV NAME value` (the instruction in any case, no `=`): the name and the
    /// value's literal.
    static func dockerEnv(_ b: UnsafeRawBufferPointer, line p: Int, end e: Int) -> (name: Range<Int>, value: Range<Int>)? {
        var s = p
        while s < e, Trigger.isBlank(b[s]) { s += 1 }
        guard s + 4 < e, (b[s] | 0x20) == 0x65, (b[s + 1] | 0x20) == 0x6E, (b[s + 2] | 0x20) == 0x76, Trigger.isBlank(b[s + 3]) else { return nil }
        return nameAndValue(b, from: s + 4, end: e)
    }

    /// After an instruction's word (`ENV`, `#define`): blanks, a name, blanks and a literal.
    static func nameAndValue(_ b: UnsafeRawBufferPointer, from p: Int, end e: Int) -> (name: Range<Int>, value: Range<Int>)? {
        var s = p
        while s < e, Trigger.isBlank(b[s]) { s += 1 }
        guard s < e, isIdentifierStart(b[s]) else { return nil }
        var t = s
        while t < e, isIdentifier(b[t]) { t += 1 }
        guard t < e, Trigger.isBlank(b[t]) else { return nil }
        var v = t
        while v < e, Trigger.isBlank(b[v]) { v += 1 }
        guard v < e, let value = literal(b, at: v, end: e) else { return nil }
        return (s..<t, value)
    }

    /// The literal at `s`: a quoted string's content on its line, or a bare word of token
    /// characters (shell's `A=ghp_…`); nil for anything else (a call, a reference).
    static func literal(_ b: UnsafeRawBufferPointer, at s: Int, end: Int) -> Range<Int>? {
        if Trigger.isQuote(b[s]) {
            var q = s + 1
            while q < end, b[q] != b[s] { q += 1 }
            guard q < end, q - s - 1 <= 512 else { return nil }
            return (s + 1)..<q
        }
        var t = s
        while t < end, Trigger.isRunByte(b[t]) || b[t] == 0x2E { t += 1 }
        guard t > s, t - s <= 512, t == end || Trigger.isBlank(b[t]) || b[t] == 0x3B || b[t] == 0x0D else { return nil }
        return s..<t
    }

    /// A variable at `i`: `$NAME`, `${NAME}`, `$(NAME)`, `{NAME}` (an f-string's or C#'s
    /// interpolation), Swift's `\(name)`, Ruby's `#{name}`, or a bare identifier when `bare`;
    /// its name and where it ends.
    static func variable(_ b: UnsafeRawBufferPointer, at i: Int, end: Int, bare: Bool) -> (name: Range<Int>, end: Int)? {
        var k = i
        var close: UInt8?
        if k < end, b[k] == 0x24 {
            k += 1
            if k < end, b[k] == 0x7B { close = 0x7D; k += 1 } else if k < end, b[k] == 0x28 { close = 0x29; k += 1 }
        } else if k < end, b[k] == 0x25 {
            // A batch file's `%NAME%`.
            close = 0x25
            k += 1
        } else if k < end, b[k] == 0x7B {
            close = 0x7D
            k += 1
        } else if k + 1 < end, b[k] == 0x5C && b[k + 1] == 0x28 || b[k] == 0x23 && b[k + 1] == 0x7B {
            // Swift's `\(b)`, Ruby's `#{b}`.
            close = b[k] == 0x5C ? 0x29 : 0x7D
            k += 2
        } else if !bare {
            return nil
        }
        guard k < end, isIdentifierStart(b[k]) else { return nil }
        // Inside braces or parentheses a dotted name (Terraform's `${local.b}`) stands for its
        // last part; a bare one is a member's access (`config.token`), no variable.
        var s = k, t = k
        while t < end, isIdentifier(b[t]) || (close != nil && b[t] == 0x2E && t + 1 < end && isIdentifierStart(b[t + 1])) {
            if b[t] == 0x2E { s = t + 1 }
            t += 1
        }
        let name = s..<t
        if let close {
            guard t < end, b[t] == close else { return nil }
            t += 1
        }
        return (name, t)
    }

    /// Where a reference to the name at `i` opens, when an opening stands right before it:
    /// `$`, `${`, `$(`, `{` (an f-string's, a template's), Swift's `\(`, Ruby's `#{`, a batch
    /// file's `%`; or before the dotted name it ends (`${local.b}`), inside braces only (a bare
    /// `config.token` is a member's access). As `variable` reads them.
    static func referenceOpening(_ b: UnsafeRawBufferPointer, nameAt i: Int) -> Int? {
        var r = i
        // The dotted name the name ends, looked back at most 256 bytes: every use of a name
        // is looked at, and `a.a.a.…` must not make each look read the whole text.
        var dotted = false
        while r >= 2, i - r < 256, b[r - 1] == 0x2E, isIdentifier(b[r - 2]) {
            r -= 1
            while r >= 1, i - r < 256, isIdentifier(b[r - 1]) { r -= 1 }
            dotted = true
        }
        if dotted, r < b.count, !isIdentifierStart(b[r]) { return nil }
        if r >= 2, b[r - 2] == 0x24, b[r - 1] == 0x7B || b[r - 1] == 0x28 { return r - 2 }
        if r >= 2, b[r - 2] == 0x5C && b[r - 1] == 0x28 || b[r - 2] == 0x23 && b[r - 1] == 0x7B { return r - 2 }
        if r >= 1, b[r - 1] == 0x7B { return r - 1 }
        if r >= 1, b[r - 1] == 0x24 || b[r - 1] == 0x25 { return dotted ? nil : r - 1 }
        return nil
    }

    /// The variables joined from `i`: references side by side (`$A$B`, `${A}${B}`, `"$A""$B"`) or
    /// operands of `+`, `.` or `..` (`a + b`, `$a . $b`); at least two, with where they end.
    static func chain(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> (names: [Range<Int>], end: Int)? {
        guard let first = variable(b, at: i, end: end, bare: true) else { return nil }
        var names = [first.name]
        var at = first.end
        while names.count < maxChain {
            // References side by side, maybe across quotes (shell's `"$A""$B"`, `"$A"$B`).
            var q = at
            while q < end, q - at < 2, Trigger.isQuote(b[q]) { q += 1 }
            if let next = variable(b, at: q, end: end, bare: false) {
                names.append(next.name)
                at = next.end
                continue
            }
            var k = at
            while k < end, Trigger.isBlank(b[k]) { k += 1 }
            // C's macros side by side (`A B`, bare names with blanks between): the preprocessor
            // puts their strings side by side, and the compiler joins them.
            // Only upper-case names, as macros are written: `KEY=abc make` (shell) or `key = two
            // words` (INI) is no chain, and each name would be looked up in the whole text.
            if k > at, k < end, isIdentifierStart(b[k]), names[names.count - 1].upperBound == at,
               isMacroName(b, names[names.count - 1]), let next = variable(b, at: k, end: end, bare: true), next.end > k,
               isMacroName(b, next.name), next.end == end || !isIdentifier(b[next.end]) && b[next.end] != 0x28 {
                names.append(next.name)
                at = next.end
                continue
            }
            guard k < end, b[k] == 0x2B || b[k] == 0x2E else { break }
            let dot = b[k] == 0x2E, spaced = k > at
            k += (k + 1 < end && dot && b[k + 1] == 0x2E) ? 2 : 1
            while k < end, Trigger.isBlank(b[k]) { k += 1 }
            // A `.` between names is a member's access (`config.token`) unless spaced or
            // before a `$` (PHP's `$a.$b`).
            if dot, !spaced, k < end, b[k] != 0x24 { break }
            guard let next = variable(b, at: k, end: end, bare: true) else { break }
            names.append(next.name)
            at = next.end
        }
        return names.count >= 2 ? (names, at) : nil
    }

    /// Where the variable reference ending at `at` (`$NAME`, `${NAME}`, `$(NAME)`) starts; nil
    /// when none ends there (`Outer$Inner`, a Java class's name, has no `$` before `Outer`).
    static func referenceStart(_ b: UnsafeRawBufferPointer, endingAt at: Int) -> Int? {
        var s = at
        let closed = b[at] == 0x7D || b[at] == 0x29
        if closed { s -= 1 }
        var k = s
        while k >= 0, s - k < 256, isIdentifier(b[k]) { k -= 1 }
        guard k < s, k >= 0, isIdentifierStart(b[k + 1]) else { return nil }
        if closed {
            guard k >= 1, b[k] == (b[at] == 0x7D ? 0x7B : 0x28), b[k - 1] == 0x24 else { return nil }
            return k - 1
        }
        return b[k] == 0x24 ? k : nil
    }

    /// Whether the value at `at` is assigned: `=` before it, maybe with blanks and a quote
    /// between (`TOKEN="$A$B"`, `export T=$A$B`, `X = $(A)$(B)`, `t := $A$B`).
    static func isAssigned(_ b: UnsafeRawBufferPointer, valueAt at: Int) -> Bool {
        var k = at - 1
        if k >= 0, Trigger.isQuote(b[k]) { k -= 1 }
        while k >= 0, Trigger.isBlank(b[k]) { k -= 1 }
        return k >= 0 && b[k] == 0x3D
    }

    /// The line of `replaced` with the chain's values in place of it, when every name has a
    /// value and together they make a secret's length.
    /// Each name's value is looked up where the name stands (`Assignments.value`), once per
    /// text (`known`), not by reading every line of the text for the few names of a chain.
    static func joinedChain(_ b: UnsafeRawBufferPointer, replacing replaced: Range<Int>, names: [Range<Int>],
                            known: inout NameValues) -> Decoded? {
        guard let joined = known.joined(names, in: b), joined.count >= Trigger.minimumRun - 4 else { return nil }
        return line(b, from: lineStart(replaced.lowerBound, b), replacing: replaced, with: joined)
    }

    /// The line from `start` (to the end of `replaced`'s line, or `reach` bytes past it) read
    /// with `value` in place of `replaced`: what a join of variables decodes to.
    static func line(_ b: UnsafeRawBufferPointer, from start: Int, replacing replaced: Range<Int>, with value: [UInt8],
                     reach: Int? = nil) -> Decoded {
        var end = lineEnd(replaced.upperBound, b)
        if let reach { end = min(end, replaced.upperBound + reach) }
        let bytes = Array(UnsafeRawBufferPointer(rebasing: b[start..<replaced.lowerBound])) + value
            + Array(UnsafeRawBufferPointer(rebasing: b[replaced.upperBound..<end]))
        return Decoded(region: start..<end, encoding: "variables", bytes: bytes)
    }

    /// Where `word` first occurs in `b` from `from`.
    static func firstIndex(of word: [UInt8], in b: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = b.baseAddress, !word.isEmpty, from + word.count <= b.count else { return nil }
        guard let hit = word.withUnsafeBytes({ reviewgate_memmem(base + from, b.count - from, $0.baseAddress!, word.count) }) else { return nil }
        return base.distance(to: hit)
    }

    /// Where `word` (an identifier) next stands whole in `b` from `from`: not inside a longer
    /// identifier. One call per whole use, where a substring search stopped at every `p` of a
    /// file for a variable named `p` (a C file's `p = pattern;` opens a piece with `pat`).
    static func firstWord(_ word: [UInt8], in b: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = b.baseAddress, !word.isEmpty, from >= 0, from + word.count <= b.count else { return nil }
        let at = word.withUnsafeBufferPointer { w in
            reviewgate_find_word(base.assumingMemoryBound(to: UInt8.self), b.count, from, w.baseAddress!, w.count)
        }
        return at < b.count ? at : nil
    }

    /// The literal appended at `i` (right after a name): blanks, `+=` or `.=`, blanks, a
    /// quoted string or a bare word.
    static func appended(_ b: UnsafeRawBufferPointer, after i: Int, end: Int) -> Range<Int>? {
        var k = i
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        guard k + 1 < end, b[k] == 0x2B || b[k] == 0x2E, b[k + 1] == 0x3D else { return nil }
        k += 2
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        guard k < end, b[k] != 0x0A else { return nil }
        return literal(b, at: k, end: min(end, lineEnd(k, b)))
    }

    /// The name a keyword at `at` opens the value of (`NAME=ghp_…`, `name = "ghp_…"`), when
    /// that value is one token from the keyword to its end (a piece of a split token; not
    /// `url = "http://…"`, which every other file of code has).
    static func assignedName(_ b: UnsafeRawBufferPointer, valueAt at: Int) -> Range<Int>? {
        var k = at
        let quoted = k > 0 && Trigger.isQuote(b[k - 1])
        if quoted { k -= 1 }
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        // `NAME = value`, or a Dockerfile's `ENV NAME value`.
        let equals = k > 0 && b[k - 1] == 0x3D
        var spaced = false
        if equals {
            k -= 1
            if k > 0, b[k - 1] == 0x3A { k -= 1 }
            spaced = k > 0 && Trigger.isBlank(b[k - 1])
            while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        } else {
            guard k < at, k > 0 else { return nil }
        }
        let e = k
        while k > 0, e - k < 256, isIdentifier(b[k - 1]) { k -= 1 }
        guard k < e, isIdentifierStart(b[k]) else { return nil }
        if !equals, !definesName(b, at: k) {
            var w = k
            while w > 0, Trigger.isBlank(b[w - 1]) { w -= 1 }
            guard w < k, w >= 3, (b[w - 3] | 0x20) == 0x65, (b[w - 2] | 0x20) == 0x6E, (b[w - 1] | 0x20) == 0x76 else { return nil }
            var l = w - 3
            while l > 0, Trigger.isBlank(b[l - 1]) { l -= 1 }
            guard l == 0 || b[l - 1] == 0x0A else { return nil }
        }
        // The value: token characters from the keyword to its end, within a piece's length.
        let run = Trigger.runClass
        let limit = min(b.count, at + 256)
        var t = at
        while t < limit, run[Int(b[t])] { t += 1 }
        guard t == b.count || Trigger.isQuote(b[t]) || Trigger.isBlank(b[t]) || b[t] == 0x0A || b[t] == 0x0D || b[t] == 0x3B else { return nil }
        // A bare word after a spaced `=` and before `;` is code naming another variable
        // (`p = pattern;`), no literal: a shell assignment has no blank around its `=`, and a
        // config line no `;` after its value.
        if !quoted, spaced, t < b.count, b[t] == 0x3B { return nil }
        return k..<e
    }

    /// Bare names listed from `i` (two or more, up to `maxChain`) between commas, opened by `(`,
    /// `[` or a comma and closed by `)` or `]`: a call's or a list's arguments; the names, and
    /// where the last ends.
    static func nameList(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> (names: [Range<Int>], end: Int)? {
        var k = i
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        guard k > 0, b[k - 1] == 0x28 || b[k - 1] == 0x5B || b[k - 1] == 0x2C else { return nil }
        // Only a format's or a join's: an opening `(` or `[` (or, after a comma, the call's
        // `(` earlier on the line) that `joiningCall` accepts.
        var o = k - 1
        if b[o] == 0x2C {
            while o > 0, k - o < 256, b[o] != 0x28, b[o] != 0x0A { o -= 1 }
            guard b[o] == 0x28 else { return nil }
        }
        guard joiningCall(b, opener: o) else { return nil }
        var names: [Range<Int>] = []
        var p = i
        while names.count < maxChain {
            guard p < end, isIdentifierStart(b[p]) else { return nil }
            var t = p
            while t < end, isIdentifier(b[t]) { t += 1 }
            names.append(p..<t)
            var q = t
            while q < end, Trigger.isBlank(b[q]) { q += 1 }
            guard q < end else { return nil }
            if b[q] == 0x29 || b[q] == 0x5D { return names.count >= 2 ? (names, t) : nil }
            guard b[q] == 0x2C else { return nil }
            q += 1
            while q < end, Trigger.isBlank(b[q]) { q += 1 }
            p = q
        }
        return nil
    }

    /// Whether the `(` or `[` at `o` opens a format's or a join's arguments: Python's `% (`, a
    /// call whose name ends in `join`, `format`, `concat` or `printf` (any case), or a list
    /// inside such a call's parentheses (`"".join([`).
    static func joiningCall(_ b: UnsafeRawBufferPointer, opener o: Int) -> Bool {
        var j = o
        if b[o] == 0x5B {
            while j > 0, Trigger.isBlank(b[j - 1]) { j -= 1 }
            guard j > 0, b[j - 1] == 0x28 else { return false }
            j -= 1
        }
        while j > 0, Trigger.isBlank(b[j - 1]) { j -= 1 }
        guard j > 0 else { return false }
        if b[j - 1] == 0x25 { return true }
        var w = j
        while w > 0, j - w < 32, isIdentifier(b[w - 1]) { w -= 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[w..<j]), as: UTF8.self).lowercased()
        return name.hasSuffix("join") || name.hasSuffix("format") || name.hasSuffix("concat") || name.hasSuffix("printf")
    }

    /// Where a variable completes the token a keyword opens (`ghp_`, `AKIA`): a reference right
    /// after the token (`"ghp_$B"`, `"ghp_${B}"`, make's `$(B)`, an f-string's `{b}`, a
    /// template literal's `${b}`, Swift's `\(b)`, Ruby's `#{b}`, Terraform's `${local.b}`: the
    /// last name of a dotted one), or the token's string closed and a name added to it
    /// (`"ghp_" + b`, PHP's `'ghp_' . $b`, Lua's `..`). The name, what the value replaces, and
    /// whether it goes in as a quoted string (after an operator) or bare (inside the string).
    static func referenceAfterToken(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int)
        -> (name: Range<Int>, replaced: Range<Int>, quoted: Bool)? {
        guard at == 0 || !Trigger.isRunByte(b[at - 1]) else { return nil }
        let limit = min(b.count, at + 256)
        var e = at + length
        while e < limit, Trigger.isRunByte(b[e]) { e += 1 }
        guard e + 2 < limit else { return nil }
        if Trigger.isQuote(b[e]) {
            guard var k = pastOperator(b, e + 1, limit) else { return nil }
            let from = k
            if k < limit, b[k] == 0x24 { k += 1 }
            guard k < limit, isIdentifierStart(b[k]) else { return nil }
            var t = k
            while t < limit, isIdentifier(b[t]) { t += 1 }
            // A call, a member or an element (`"ghp_" + f(x)`, `+ cfg.x`) is no variable's value.
            guard t == limit || (b[t] != 0x28 && b[t] != 0x2E && b[t] != 0x5B) else { return nil }
            return (k..<t, from..<t, true)
        }
        guard let ref = variable(b, at: e, end: limit, bare: false) else { return nil }
        return (ref.name, e..<ref.end, false)
    }

    /// Past blanks, a string operator (`+`, PHP's `.`, Lua's `..`) and blanks from `k` (before
    /// `end`): where its operand starts; nil when no operator stands there.
    static func pastOperator(_ b: UnsafeRawBufferPointer, _ k: Int, _ end: Int) -> Int? {
        var k = k
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        guard k < end, b[k] == 0x2B || b[k] == 0x2E else { return nil }
        k += k + 1 < end && b[k] == 0x2E && b[k + 1] == 0x2E ? 2 : 1
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        return k
    }

    /// The lines that join variables, with the values in place: where a variable whose value a
    /// keyword at one of `pieces` opens is joined to others, and where a keyword at one of
    /// `keys` stands in the key a chain is assigned to. False when the budget ran out first.
    @discardableResult
    static func joinVariables(_ b: UnsafeRawBufferPointer, pieces: [Int], keys: [KeyAt],
                              tails: [(name: Range<Int>, replaced: Range<Int>, quoted: Bool)] = [],
                              budget: inout Int, _ body: (Decoded) -> Void) -> Bool {
        var lookup = NameValues()
        func value(of word: [UInt8]) -> [UInt8]? { lookup.value(of: word, in: b) }
        var lines = Set<Int>()
        // The line of `p` with `replaced` (on it) read as `value`, once the value makes a
        // secret's length: its bounds are found only then, and charged.
        func put(_ p: Int, replacing replaced: Range<Int>, with value: [UInt8], minimum: Int = Trigger.minimumRun - 4) -> Bool {
            guard value.count >= minimum else { return true }
            guard budget > 0 else { return false }
            let start = lineStart(p, b)
            budget -= Self.lineEnd(replaced.upperBound, b) - start
            guard lines.insert(start).inserted else { return true }
            let decoded = line(b, from: start, replacing: replaced, with: value)
            budget -= decoded.bytes.count
            body(decoded)
            return true
        }
        // The chain at `at` with its variables' values in place, if every one has one.
        // The values of `names` joined, each its first literal assignment's; nil when one has
        // none. The file's assignments are gathered on the first call.
        func values(of names: [Range<Int>]) -> [UInt8]? { lookup.joined(names, in: b) }
        // Whether a quoted string is added after `k` (`a + b + "…"`): then the values go in as
        // a quoted string, so the next depth's join takes the string with them.
        func stringAdded(after k: Int, _ end: Int, name: Range<Int>? = nil) -> Bool {
            guard let k = pastOperator(b, k, end) else {
                // Or a C string right after a macro's name (`P "…"`), blanks between: the
                // compiler joins the macro's string to it.
                guard let name, isMacroName(b, name) else { return false }
                var q = k
                while q < end, Trigger.isBlank(b[q]) { q += 1 }
                return q > k && q < end && b[q] == 0x22
            }
            return k < end && Trigger.isQuote(b[k])
        }
        // The chain at `at` with its variables' values in place, if every one has one.
        func emit(_ p: Int, chain at: Int, _ found: (names: [Range<Int>], end: Int)) -> Bool {
            guard let joined = values(of: found.names) else { return true }
            return put(p, replacing: at..<found.end, with: stringAdded(after: found.end, b.count) ? [0x22] + joined + [0x22] : joined)
        }
        // A keyword's token completed by a variable (`"ghp_$B"`, `"AKIA" + sfx`): the line with
        // its value in place (bare inside the string, quoted after an operator, so the next
        // depth's join reads `"AKIA" + "…"`). Each name is looked up where it stands as a word.
        for tail in tails.prefix(maxVariableSearches) {
            guard let value = value(of: Array(UnsafeRawBufferPointer(rebasing: b[tail.name]))), !value.isEmpty else { continue }
            guard put(tail.replaced.lowerBound, replacing: tail.replaced, with: tail.quoted ? [0x22] + value + [0x22] : value, minimum: 0) else { return false }
        }
        // A chain assigned to a key a keyword stands in. What is looked at never crosses a line
        // end (names, blanks, quotes and operators only), so no search for the line's end or
        // walk to its start happens before a chain's values are found.
        for key in keys where b[key.separator] == 0x3D || b[key.separator] == 0x3A {
            let at = key.at, end = min(b.count, at + chainReach)
            var k = key.separator + 1
            if k < end, b[k] == 0x3D || b[k] == 0x3E { k += 1 }
            while k < end, Trigger.isBlank(b[k]) { k += 1 }
            if k < end, Trigger.isQuote(b[k]) { k += 1 }
            guard let found = chain(b, at: k, end: end) else { continue }
            guard emit(at, chain: k, found) else { return false }
        }
        // A variable a keyword opens, joined to others wherever it is used, or appended to.
        var searched = Set<[UInt8]>()
        var grown: [[UInt8]: [UInt8]] = [:]
        for at in pieces {
            guard let name = assignedName(b, valueAt: at) else { continue }
            let word = Array(UnsafeRawBufferPointer(rebasing: b[name]))
            guard searched.count < maxVariableSearches, searched.insert(word).inserted else { continue }
            var from = name.upperBound
            while let i = firstWord(word, in: b, from: from) {
                from = i + word.count
                // The reference's start: its opening before the name (`referenceOpening`), or
                // the name itself.
                let r = referenceOpening(b, nameAt: i) ?? i
                let end = min(b.count, i + chainReach)
                // A value appended to (`TOKEN+=…`, `t += "…"`, PHP's `.=`): the value so far
                // with the literal after it, as if assigned whole.
                if r == i, let literal = appended(b, after: from, end: end) {
                    let sofar = (grown[word] ?? value(of: word) ?? []) + UnsafeRawBufferPointer(rebasing: b[literal])
                    grown[word] = sofar
                    // `NAME += "…"` read as `NAME="<value so far>"`.
                    let closed = literal.upperBound < b.count && Trigger.isQuote(b[literal.upperBound]) ? literal.upperBound + 1 : literal.upperBound
                    guard put(i, replacing: from..<closed, with: Array("=\"".utf8) + sofar + [0x22]) else { return false }
                    continue
                }
                if let found = chain(b, at: r, end: end), b[found.names[0]].elementsEqual(word) {
                    guard emit(i, chain: r, found) else { return false }
                    continue
                }
                // Listed with other names as a format's or a join's arguments (`"%s%s" % (a, b)`,
                // `"{}{}".format(a, b)`, `"".join([a, b])`, `String.join("", a, b)`): the names'
                // values joined, as one quoted string in the list's place.
                if r == i, let list = nameList(b, at: i, end: end) {
                    if let joined = values(of: list.names) { guard put(i, replacing: i..<list.end, with: [0x22] + joined + [0x22]) else { return false } }
                    continue
                }
                // Used beside a literal (`"${A}…"`, `$(A)…`, an f-string's or a template's
                // `{a}…`, `a + "…"`, PHP's `$a . '…'`): the line with the value in the
                // reference's place, read again. A bare name, or an operand of `+` or `.`, is
                // put back as a quoted string, so the next depth's join reads `"ghp_…" + "…"`
                // as one string; an interpolation, as the bare value.
                guard let ref = variable(b, at: r, end: end, bare: true), ref.name.lowerBound == i else { continue }
                // The value opens a token, so only a literal after it can complete one: the
                // reference's next character a token's (`${A}rest`), or an operator and a
                // quoted string (`a + "rest"`); any other use is passed over.
                let operand = stringAdded(after: ref.end, end, name: r == i ? ref.name : nil)
                // Or its string closed right there and a shell word going on (`"$A"rest`,
                // `"$A"'rest'`).
                let glued = ref.end < end && (Trigger.isRunByte(b[ref.end]) || shellWordGoesOn(b, afterQuote: ref.end, end: end) != nil)
                let interpolated = r != i && glued
                guard operand || interpolated else { continue }
                // The value is looked up only now: most uses are passed over.
                guard let value = value(of: word) else { continue }
                let replacement = operand ? [0x22] + value + [0x22] : value
                guard put(i, replacing: r..<ref.end, with: replacement, minimum: 0) else { return false }
            }
        }
        return true
    }
}
