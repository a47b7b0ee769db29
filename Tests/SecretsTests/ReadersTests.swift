import Foundation
import ReviewGateTestSupport
@testable import Secrets
import CHyperscan
import CScan
import Testing

/// The readers of SPEC §1.3: text encodings, printable runs, archives, decoded and joined
/// values, each on real bytes (archives made by Python's own libraries).
@Suite struct ReadersTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())
    static let limits = ReadLimits(maxFileBytes: 52_428_800)

    func read(_ data: Data, limits: ReadLimits = Self.limits) -> BlobScan {
        Array(data).withUnsafeBytes { Self.scanner.read($0, limits: limits, scratch: MatchScratch()) }
    }

    func read(_ text: String) -> BlobScan { read(Data(text.utf8)) }

    /// The candidates holding `token`, as (rule, line, encoding, member).
    func found(_ scan: BlobScan, _ token: String) -> [Candidate] {
        scan.candidates.filter { $0.secret == Array(token.utf8) }
    }

    /// `bytes` in RFC 4648 base32, padded.
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", acc = 0, bits = 0
        for b in bytes {
            acc = acc << 8 | Int(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[(acc >> bits) & 31])
            }
            acc &= (1 << bits) - 1
        }
        if bits > 0 { out.append(alphabet[(acc << (5 - bits)) & 31]) }
        while out.count % 8 != 0 { out.append("=") }
        return out
    }

    /// `text` cut every `width` characters, the pieces joined by `separator`, and a line end.
    static func wrapped(_ text: String, _ width: Int, _ separator: String) -> String {
        var pieces: [Substring] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(rest.prefix(width))
            rest = rest.dropFirst(width)
        }
        return pieces.joined(separator: separator) + "\n"
    }

    /// `bytes` as `xxd` prints them: offset, eight groups of two bytes, the text column.
    static func xxd(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 16).map { at in
            let row = Array(bytes[at..<min(bytes.count, at + 16)])
            let groups = stride(from: 0, to: row.count, by: 2).map { i in row[i..<min(row.count, i + 2)].map { String(format: "%02x", $0) }.joined() }
            let hex = groups.joined(separator: " ").padding(toLength: 39, withPad: " ", startingAt: 0)
            let text = String(decoding: row.map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x2E }, as: UTF8.self)
            return String(format: "%08x: ", at) + hex + "  " + text + "\n"
        }.joined()
    }

    static func token(_ seed: UInt64) -> String {
        var factory = SecretFactory(seed: seed)
        return factory.githubToken()
    }

    // MARK: text encodings and binary content

    @Test("UTF-16 and UTF-32, with and without a byte-order mark, are read as text with their own line numbers",
          arguments: [(String.Encoding.utf16, "utf-16le"), (.utf16LittleEndian, "utf-16le"), (.utf16BigEndian, "utf-16be"),
                      (.utf32, "utf-32le"), (.utf32LittleEndian, "utf-32le"), (.utf32BigEndian, "utf-32be")])
    func wideText(encoding: String.Encoding, name: String) throws {
        let token = Self.token(1)
        let data = try #require("# settings\n\ntoken = \"\(token)\"\n".data(using: encoding))
        let hits = found(read(data), token)
        #expect(hits.count == 1)
        #expect(hits.first?.line == 3)
        #expect(hits.first?.encoding == name)
    }

    @Test("invalid UTF-16 (lone surrogates, an odd last byte) decodes with replacement characters and still finds the secret")
    func brokenUTF16() {
        let token = Self.token(2)
        var bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00, 0x00, 0xDC, 0x0A, 0x00]
        for u in "k = \(token)\n".utf16 { bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        bytes.append(0x41)
        let text = bytes.withUnsafeBytes { TextEncoding.utf16le.decode(UnsafeRawBufferPointer(rebasing: $0[2...])) }
        #expect(String(decoding: text, as: UTF8.self).hasPrefix("\u{FFFD}A\u{FFFD}\n"))
        #expect(found(read(Data(bytes)), token).first?.line == 2)
    }

    @Test("binary content is searched in its printable runs: a NUL first, 8,000 NULs before, an image header")
    func binaryContent() {
        let token = Self.token(3)
        for prefix in [Data([0]), Data(count: 8000), Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0xFF, 0x80])] {
            let hits = found(read(prefix + Data("TOKEN=\(token)\n".utf8)), token)
            #expect(hits.count == 1)
            #expect(hits.first?.encoding == nil)
        }
        // Noise around the value is not part of it.
        let noisy = Data([0x01, 0xFE]) + Data(token.utf8) + Data([0xFF, 0x00, 0x07])
        #expect(found(read(noisy), token).count == 1)
    }

    @Test("NULs inside text are taken out as `tr -d '\\0'` would: one in a token, one after every character, past the first 8,000 bytes")
    func nulsInsideText() {
        let token = Self.token(31)
        let cut = token.index(token.startIndex, offsetBy: 11)
        let spread = Data(token.utf8.flatMap { [$0, 0] }.dropLast())
        let cases: [(Data, Int)] = [
            (Data("# deploy\nTOKEN=\(token[..<cut])".utf8) + Data([0]) + Data("\(token[cut...])\n".utf8), 2),
            (Data("# deploy\nTOKEN=\(token[..<cut])".utf8) + Data(count: 300) + Data("\(token[cut...])\n".utf8), 2),
            (Data("a\ntoken: ".utf8) + spread + Data("\n".utf8), 2),
            // Text for the first 8,000 bytes (no binary by git's rule), then the NUL.
            (Data(String(repeating: "# line of notes\n", count: 600).utf8) + Data("K=\(token[..<cut])".utf8) + Data([0, 0])
                + Data("\(token[cut...])\n".utf8), 601),
        ]
        for (data, line) in cases {
            let hits = found(read(data), token)
            #expect(hits.count == 1, "\(data.prefix(40))")
            #expect(hits.first?.encoding == "nul-removed")
            #expect(hits.first?.line == line)
        }
        // A token whole beside NULs is found once, plainly.
        let whole = found(read(Data([0, 0x41, 0, 0x42]) + Data("\nT=\(token)\n".utf8)), token)
        #expect(whole.count == 1 && whole.first?.encoding == nil)
        // A compiled object's string table, its strings joined by taking the NULs out, makes
        // no assignment of a generic rule's: only rules with a fixed structure count there.
        let table = Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 24))
            + Data("password=\0Zq8vLm2xRt5wNp3kYb7c\0api_key: \0\"Hx9Lr2Vm8Qw4Tz6Kp1Ns\"\0".utf8)
        #expect(read(table).candidates.isEmpty)
    }

    @Test("the NUL-joined text (stretches found in C, a thousand at a time) is what a byte-at-a-time reading gives", arguments: 0..<6)
    func nulJoinedText(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 4410)
        let pieces: [[UInt8]] = [[0], [0, 0], [1], [0xFF], [10], Array("ab".utf8), Array("token".utf8), Array("x=1".utf8), [0x80, 0]]
        var bytes: [UInt8] = []
        // Past a thousand stretches in some, so the search resumes.
        for _ in 0..<(seed % 2 == 0 ? 400 : 6000) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
        // The reference: stretches of text and NULs, cut at any other byte.
        var expected: [UInt8] = [], offsets: [Int] = []
        var stretch: [(UInt8, Int)] = [], joined = false, gap = false
        func close() {
            if joined, stretch.count >= 8 {
                expected += stretch.map(\.0) + [0]
                offsets += stretch.map(\.1) + [stretch.last!.1 + 1]
            }
            stretch = []
            joined = false
            gap = false
        }
        for (i, c) in bytes.enumerated() {
            if c == 0 {
                gap = !stretch.isEmpty
            } else if (c >= 0x20 && c < 0x7F) || c == 9 || c == 10 || c == 13 {
                if gap { joined = true }
                gap = false
                stretch.append((c, i))
            } else {
                close()
            }
        }
        close()
        let joinedText = bytes.withUnsafeBytes { PrintableRuns.nulJoined($0) }
        #expect((joinedText?.text ?? []) == expected)
        if let joinedText {
            #expect(expected.indices.allSatisfy { joinedText.offset($0) == offsets[$0] })
        }
    }

    @Test("a mail part in quoted-printable is read decoded: a token cut by soft line breaks, a token all in =XX escapes")
    func quotedPrintableMail() {
        let token = Self.token(32)
        let cut = token.index(token.startIndex, offsetBy: 13)
        let escaped = token.utf8.map { String(format: "=%02X", $0) }.joined()
        let cases: [(String, Int)] = [
            ("From: ci@example.com\nContent-Transfer-Encoding: quoted-printable\n\nHello,\nthe token is: \(token[..<cut])=\n\(token[cut...])\n", 5),
            ("Content-Type: text/plain\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\nkey =3D \(token[..<cut])=\r\n\(token[cut...])\r\n", 4),
            ("content-transfer-encoding: QUOTED-PRINTABLE\n\n\(escaped)\n", 3),
            // A folded header; a soft break with blanks a mailer left after the `=`.
            ("To: a@b.c\nContent-Transfer-Encoding:\r\n\tquoted-printable\r\n\r\nt \(token[..<cut])=  \r\n\(token[cut...])\r\n", 5),
            // A line longer than a look for its end reaches, the soft break past that.
            ("Content-Transfer-Encoding: quoted-printable\n\n\(String(repeating: "x", count: 8180)) \(token[..<cut])=\n\(token[cut...])\n", 3),
        ]
        for (text, line) in cases {
            let hits = found(read(text), token)
            #expect(hits.count == 1, "\(text.debugDescription)")
            #expect(hits.first?.encoding == "quoted-printable")
            #expect(hits.first?.line == line, "\(text.debugDescription)")
        }
        // Without the header, `=` ending a line joins nothing, nor does the word in code.
        #expect(found(read("note: \(token[..<cut])=\n\(token[cut...])\n"), token).isEmpty)
        #expect(found(read("if enc == \"Content-Transfer-Encoding: quoted-printable\" {\n\(token[..<cut])=\n\(token[cut...])\n"), token).isEmpty)
        // Decoding stopped by its budget with text left says so (the reader then refuses).
        let long = Array(("Content-Transfer-Encoding: quoted-printable\n\n" + String(repeating: "a=41\n", count: 5000)).utf8)
        let at = 27
        var budget = 1000
        let finished = long.withUnsafeBytes { Decoders.decode($0, triggers: [(.quotedPrintable, at)], runAtStart: false, budget: &budget) { _ in } }
        #expect(!finished)
        var enough = 1 << 20
        #expect(long.withUnsafeBytes { Decoders.decode($0, triggers: [(.quotedPrintable, at)], runAtStart: false, budget: &enough) { _ in } })
    }

    @Test("innocuous binaries hold no secret: an ELF object, a font-like table, random bytes")
    func innocuousBinaries() {
        var rng = SplitMix(seed: 9)
        var random = Data((0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        random[0] = 0
        let elf = Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 56)) + Data("main\0printf\0.text\0.data\0".utf8)
        let font = Data([0, 1, 0, 0, 0, 0x0C, 0, 0x80]) + Data("cmapglyfheadhheahmtxlocamaxpnamepost".utf8) + Data(count: 64)
        for data in [random, elf, font] {
            let scan = read(data)
            #expect(scan.candidates.isEmpty && scan.unscannable.isEmpty)
        }
    }

    // MARK: archives

    @Test("members of zip (deflate, stored), tar, tar.gz, tar.xz, gzip, bzip2 and xz are scanned, named archive!member",
          arguments: [TestArchive.Kind.zipDeflate, .zipStored, .tar, .tarGz, .tarXz, .gzip, .bzip2, .xz])
    func archiveMembers(kind: TestArchive.Kind) throws {
        let token = Self.token(4)
        let data = try TestArchive.make(kind, [("conf/app.env", Data("# app\nTOKEN=\(token)\n".utf8)), ("README", Data("hi\n".utf8))])
        let scan = read(data)
        let hits = found(scan, token)
        #expect(hits.count == 1)
        #expect(hits.first?.line == 2)
        let member = String(decoding: hits.first?.member ?? [], as: UTF8.self)
        #expect(member == ([.gzip, .bzip2, .xz].contains(kind) ? "!data" : "!conf/app.env"))
        #expect(scan.unscannable.isEmpty)
    }

    @Test("a zip member whose CRC-32 does not match (a streamed zip's directory saying 0) is read in full, not refused")
    func zipWithWrongChecksum() throws {
        let token = Self.token(44)
        var bytes = [UInt8](try TestArchive.make(.zipDeflate, [("conf/app.env", Data("TOKEN=\(token)\n".utf8))]))
        // Every local and central header's CRC-32 set to 0.
        for i in 0..<(bytes.count - 20) where bytes[i] == 0x50 && bytes[i + 1] == 0x4B {
            let at = bytes[i + 2] == 3 && bytes[i + 3] == 4 ? i + 14 : bytes[i + 2] == 1 && bytes[i + 3] == 2 ? i + 16 : nil
            if let at { for k in at..<(at + 4) { bytes[k] = 0 } }
        }
        let scan = read(Data(bytes))
        #expect(found(scan, token).count == 1)
        #expect(scan.unscannable.isEmpty)
    }

    @Test("what follows a tar's end-of-archive marker is read: a member hidden after it, text behind a zero block in a compressed stream",
          arguments: [TestArchive.Kind.tar, .tarGz, .gzip, .bzip2, .xz])
    func afterTheEndOfATar(kind: TestArchive.Kind) throws {
        let token = Self.token(13)
        let line = Data("GITHUB_TOKEN=\(token)\n".utf8)
        let data: Data
        if kind == .tar || kind == .tarGz {
            // A whole tar (members, end marker, padding), then a second tar holding the secret.
            let first = try TestArchive.make(.tar, [("README", Data("hi\n".utf8))])
            let hidden = try TestArchive.make(.tar, [("deploy.env", line)])
            data = kind == .tar ? first + hidden : try TestArchive.make(.gzip, [("x", first + hidden)])
        } else {
            // 512 NUL bytes first: libarchive reads a tar that ends at once.
            data = try TestArchive.make(kind, [("x", Data(count: 512) + line)])
        }
        let scan = read(data)
        #expect(found(scan, token).count == 1)
        let member = String(decoding: found(scan, token).first?.member ?? [], as: UTF8.self)
        #expect(member.hasPrefix("!(after end of archive)"), "\(member)")
        // Padding after the marker is no member; a bomb of zeros behind one is refused.
        let padded = read(try TestArchive.make(.tarGz, [("a.txt", line)]))
        #expect(padded.members.allSatisfy { !String(decoding: $0, as: UTF8.self).contains("after end") })
        let zeros = read(try TestArchive.make(kind == .tar || kind == .tarGz ? .gzip : kind, [("x", Data(count: 1024))], zeros: 80_000_000))
        #expect(zeros.candidates.isEmpty)
        #expect(zeros.unscannable.isEmpty || zeros.unscannable.allSatisfy { [.limit, .tooLarge].contains($0.problem) })
    }

    @Test("looking past a compressed tar's end spends only what lies past it: a tar.gz using 60% of the expansion limit is read")
    func afterTheEndCostsNothingTwice() throws {
        var limits = Self.limits
        limits.maxExpandedBytes = 1_000_000
        let body = Data(String(repeating: "an ordinary line of a log file\n", count: 20_000).utf8) // 620,000 bytes
        let scan = read(try TestArchive.make(.tarGz, [("app.log", body)]), limits: limits)
        #expect(scan.unscannable.isEmpty, "\(scan.unscannable)")
    }

    @Test("zstd and lz4 streams and 7-Zip archives are opened (made by their own tools)", arguments: ["zstd", "lz4", "7z"])
    func moreFormats(tool: String) throws {
        let token = Self.token(14)
        let dir = try Scratch.directory("formats")
        try "# app\nTOKEN=\(token)\n".write(to: dir.appendingPathComponent("app.env"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("packed").path
        switch tool {
        case "zstd": try run(["zstd", "-q", "-o", out, dir.appendingPathComponent("app.env").path])
        case "lz4": try run(["lz4", "-q", dir.appendingPathComponent("app.env").path, out])
        default: try run(["7z", "a", "-bd", "-t7z", out + ".7z", "app.env"], in: dir)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: tool == "7z" ? out + ".7z" : out))
        let scan = read(data)
        #expect(found(scan, token).count == 1)
        #expect(found(scan, token).first?.line == 2)
        #expect(scan.unscannable.isEmpty)
    }

    @Test("a zip after other bytes (a self-extracting archive, a zip appended to an image) is opened too; its host is scanned as well")
    func trailingZip() throws {
        let token = Self.token(15), other = Self.token(16)
        let zip = try TestArchive.make(.zipDeflate, [("conf/app.env", Data("TOKEN=\(token)\n".utf8))])
        let host = Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) + Data(count: 2000) + Data("KEY=\(other)\n".utf8)
        let scan = read(host + zip)
        #expect(found(scan, token).count == 1)
        #expect(String(decoding: found(scan, token).first?.member ?? [], as: UTF8.self) == "!conf/app.env")
        #expect(found(scan, other).count == 1)
        // Bytes that only look like an end record somewhere are no zip, and no problem.
        let fake = Data(String(repeating: "text\n", count: 40).utf8) + Data([0x50, 0x4B, 0x05, 0x06]) + Data(count: 18)
        #expect(read(fake).unscannable.isEmpty)
    }

    @Test("a compressed stream after other bytes is opened from its magic bytes: an installer's script then its tar.gz, a gzip after a NUL-free text, an xz after a binary header")
    func embeddedStreams() throws {
        let token = Self.token(17), other = Self.token(18)
        let script = Data(("#!/bin/sh\n# self-extracting installer\n" + String(repeating: "echo unpacking\n", count: 800) + "exit 0\n").utf8)
        let payload = try TestArchive.make(.tarGz, [("setup/app.env", Data("TOKEN=\(token)\n".utf8))])
        let scan = read(script + payload)
        #expect(found(scan, token).count == 1)
        #expect(String(decoding: found(scan, token).first?.member ?? [], as: UTF8.self) == "!@\(script.count)/setup/app.env")
        #expect(scan.unscannable.isEmpty)
        let notes = Data("some notes\n".utf8)
        let gz = try TestArchive.make(.gzip, [("x", Data("KEY=\(other)\n".utf8))])
        #expect(found(read(notes + gz), other).count == 1)
        let xz = try TestArchive.make(.xz, [("x", Data("KEY=\(other)\n".utf8))])
        // (xz keeps so small an input uncompressed: the host's own bytes hold it too, and it is
        // reported once.)
        #expect(found(read(Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) + Data(count: 100) + xz), other).count == 1)
        let xzBig = try TestArchive.make(.xz, [("x", Data("KEY=\(other)\n".utf8) + Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 40_503 >> 5) }))])
        let members = found(read(Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) + Data(count: 100) + xzBig), other).map { String(decoding: $0.member ?? [], as: UTF8.self) }
        #expect(members == ["!@108/data"])
        // Magic bytes that start no stream are nothing to report; a stream cut short keeps
        // what it held and is reported as corrupt.
        let fake = Data([0, 1, 2]) + Data([0x1F, 0x8B, 0x08, 0x00]) + Data(repeating: 0x41, count: 64)
        let quiet = read(fake)
        #expect(quiet.candidates.isEmpty && quiet.unscannable.isEmpty)
        let long = try TestArchive.make(.gzip, [("x", Data(("KEY=\(other)\n" + String(repeating: "filler line of text, compressed\n", count: 4000)).utf8) + Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }))])
        let cut = read(notes + Data([0]) + long.prefix(long.count * 2 / 3))
        #expect(found(cut, other).count == 1)
        #expect(cut.unscannable.map(\.problem) == [.corrupt])
    }

    @Test("a PDF's compressed page text is inflated and read; its images and fonts are passed over; a clean PDF has nothing to say")
    func pdfStreams() throws {
        let token = Self.token(23)
        // A page as a simple generator writes it: text as literal strings, FlateDecode.
        let page = try TestArchive.make(.zlib, [("x", Data("BT /F1 12 Tf 72 712 Td (deploy with GITHUB_TOKEN=\(token)) Tj ET\n".utf8))])
        let clean = try TestArchive.make(.zlib, [("x", Data("BT /F1 12 Tf 72 712 Td (Quarterly report, page one) Tj ET\n".utf8))])
        // An image's and a font program's data: binary, inflating to much more, never read.
        var rng = SplitMix(seed: 41)
        let pixels = try TestArchive.make(.zlib, [("x", Data((0..<60_000).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4) }))])
        func pdf(_ content: Data) -> Data {
            var d = Data("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
            d += Data("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".utf8)
            d += Data("4 0 obj\n<< /Length \(content.count) /Filter /FlateDecode >>\nstream\r\n".utf8) + content + Data("\r\nendstream\nendobj\n".utf8)
            d += Data("5 0 obj\n<< /Type /XObject /Subtype /Image /Width 200 /Height 300 /BitsPerComponent 8 /Filter /FlateDecode /Length \(pixels.count) >>\nstream\n".utf8)
                + pixels + Data("\nendstream\nendobj\n".utf8)
            d += Data("6 0 obj\n<< /Length1 60000 /Filter /FlateDecode /Length \(pixels.count) >>\nstream\n".utf8) + pixels + Data("\nendstream\nendobj\n".utf8)
            return d + Data("trailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)
        }
        let scan = read(pdf(page))
        let hits = found(scan, token)
        #expect(hits.count == 1)
        let member = String(decoding: hits.first?.member ?? [], as: UTF8.self)
        #expect(member.hasPrefix("!stream@"), "\(member)")
        #expect(scan.unscannable.isEmpty)
        // Only the page was opened (its bytes and its text): the image and the font are no members.
        let members = scan.members.map { String(decoding: $0, as: UTF8.self) }
        #expect(members.count == 2 && members.allSatisfy { $0.hasPrefix(member) }, "\(members)")
        // Text split for kerning (`[(…) -20 (…)] TJ`, pdfTeX's way), with escapes: joined.
        let kerned = "BT /F1 12 Tf 72 712 Td [(GITHUB_TOKEN=)-250(\(token.prefix(17)))28(\(token.dropFirst(17)))]TJ ET\n"
        let split = read(pdf(try TestArchive.make(.zlib, [("x", Data(kerned.utf8))])))
        let joined = found(split, token)
        #expect(joined.count == 1)
        let textMember = String(decoding: joined.first?.member ?? [], as: UTF8.self)
        #expect(textMember.hasSuffix("/text"), "\(textMember)")
        var text: [UInt8] = []
        Data("[(a\\(b\\)c\\101)5<4142>]TJ (x) Tj".utf8).withUnsafeBytes { text = ZlibStreams.pdfText($0) ?? [] }
        #expect(String(decoding: text, as: UTF8.self) == "a(b)cAAB\nx\n")
        let quiet = read(pdf(clean))
        #expect(quiet.candidates.isEmpty && quiet.unscannable.isEmpty)
        // More text streams than are read: the rest is not read, and that is said (fail closed).
        let tiny = try TestArchive.make(.zlib, [("x", Data("BT (a) Tj ET\n".utf8))])
        var many = Data("%PDF-1.4\n".utf8)
        for k in 0...Self.limits.maxMembers {
            many += Data("\(k) 0 obj\n<< /Length \(tiny.count) /Filter /FlateDecode >>\nstream\n".utf8) + tiny + Data("\nendstream\nendobj\n".utf8)
        }
        #expect(read(many).unscannable.map(\.problem).contains(.limit))
        // Not a PDF (no `%PDF-` in its first KiB): a `stream` keyword before zlib bytes is
        // text like any other.
        let notes = read(Data("notes\nstream\n".utf8) + page)
        #expect(!notes.members.contains { String(decoding: $0, as: UTF8.self).hasPrefix("!stream@") })
    }

    @Test("a file that is one zlib stream is inflated and read; a PNG's compressed text chunks are; text that only looks like a zlib header is read as text")
    func zlibStreams() throws {
        let token = Self.token(21)
        let text = Data("# config\nTOKEN=\(token)\n".utf8)
        let raw = read(try TestArchive.make(.zlib, [("x", text)]))
        #expect(found(raw, token).first?.line == 2)
        #expect(String(decoding: found(raw, token).first?.member ?? [], as: UTF8.self) == "!data")
        func chunk(_ type: String, _ data: Data) -> Data {
            let n = UInt32(data.count)
            return Data([UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]) + Data(type.utf8) + data + Data(count: 4)
        }
        let signature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let header = chunk("IHDR", Data([0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0, 0, 0]))
        let compressed = try TestArchive.make(.zlib, [("x", Data("deploy key \(token)".utf8))])
        let zTXt = chunk("zTXt", Data("Comment".utf8) + Data([0, 0]) + compressed)
        let iTXt = chunk("iTXt", Data("Comment".utf8) + Data([0, 1, 0]) + Data("en".utf8) + Data([0, 0]) + compressed)
        for (png, type) in [(signature + header + zTXt + chunk("IEND", Data()), "!zTXt@"), (signature + header + iTXt + chunk("IEND", Data()), "!iTXt@")] {
            let hits = found(read(png), token)
            #expect(hits.count == 1)
            let member = String(decoding: hits.first?.member ?? [], as: UTF8.self)
            #expect(member.hasPrefix(type), "\(member)")
        }
        // "x^" opens a zlib header's check; as text it is read as text.
        let looksLikeOne = read("x^ = 1\nTOKEN=\(token)\n")
        #expect(found(looksLikeOne, token).first?.member == nil)
        #expect(looksLikeOne.unscannable.isEmpty)
        // A stream cut short (its checksum, or its last bytes, gone): what it held is read,
        // then it is corrupt. Bytes that only start like one are read as they are.
        let long = Data((String(repeating: "# a line of settings\n", count: 200) + "TOKEN=\(token)\n" + String(repeating: "# more\n", count: 200)).utf8)
        let whole = try TestArchive.make(.zlib, [("x", long)])
        for cut in [4, 30] {
            let scan = read(whole.prefix(whole.count - cut))
            if cut == 4 { #expect(found(scan, token).count == 1) }
            #expect(scan.unscannable.map(\.problem) == [.corrupt], "\(cut)")
        }
        var rng = SplitMix(seed: 31)
        for _ in 0..<50 {
            let noise = Data([0x78, 0x9C]) + Data((0..<4000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            #expect(read(noise).unscannable.isEmpty)
        }
    }

    @Test("text an archive holds outside its members is read: a zip's comment, a member's comment, a tar's pax record, a link's target, an entry its central directory hides; an lzma stream is opened")
    func archiveMetadata() throws {
        let token = Self.token(22)
        for (label, archive) in try TestArchive.metadata("deploy \(token)") {
            #expect(found(read(archive), token).count == 1, "\(label)")
        }
        let clean = try TestArchive.metadata("nothing secret here")
        for (label, archive) in clean { #expect(read(archive).candidates.isEmpty, "\(label)") }
        // An entry only a streaming reader sees (its central directory does not list it).
        let unlisted = try TestArchive.zipWithUnlistedEntry(Data("TOKEN=\(token)\n".utf8))
        #expect(found(read(unlisted), token).count == 1)
        let lzma = try TestArchive.make(.lzma, [("x", Data("TOKEN=\(token)\n".utf8))])
        #expect(String(decoding: found(read(lzma), token).first?.member ?? [], as: UTF8.self) == "!data")
    }

    @Test("hostile layouts stay decisions: a zlib stream before plain text, encoded archives nested in encoded archives, decoy magic bytes, a gzip of many members, zlib bombs in a PNG, an appended zip with a broken directory")
    func hostileLayouts() throws {
        let token = Self.token(23)
        let plain = Data("GITHUB_TOKEN=\(token)\n".utf8)
        // The empty zlib stream first: the bytes after it are the file's own.
        #expect(found(read(Data([0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + Data("\n".utf8) + plain), token).count == 1)
        // base64 of a gzip holding base64 of a gzip…: one level is opened, the rest is not read
        // in full (fail closed), and a deep pile costs no more than its bytes.
        var text = plain
        for _ in 0..<40 { text = Data("v: \(try TestArchive.make(.gzip, [("x", text)]).base64EncodedString())\n".utf8) }
        let nested = read(text)
        #expect(nested.unscannable.map(\.problem) == [.decodeLimit])
        let once = read(Data("v: \(try TestArchive.make(.gzip, [("x", plain)]).base64EncodedString())\n".utf8))
        #expect(found(once, token).count == 1 && once.unscannable.isEmpty)
        // Decoy gzip headers before a real stream; too many of them leave the rest unread.
        let real = try TestArchive.make(.gzip, [("x", plain)])
        let decoy = Data([0x1F, 0x8B, 0x08, 0x00]) + Data(repeating: 0x41, count: 8)
        let few = Data("x".utf8) + Data([0]) + Data(Array(repeating: decoy, count: 20).joined()) + real
        #expect(found(read(few), token).count == 1)
        let many = Data("x".utf8) + Data([0]) + Data(Array(repeating: decoy, count: Scanner.maxEmbeddedAttempts + 1).joined()) + real
        let hidden = read(many)
        #expect(found(hidden, token).count == 1 || hidden.unscannable.map(\.problem).contains(.limit))
        // A gzip of several members after other bytes: its secret once.
        var members = Data("notes\n".utf8) + Data([0])
        for i in 0..<6 { members += try TestArchive.make(.gzip, [("x", i == 5 ? plain : Data("filler \(i)\n".utf8))]) }
        #expect(found(read(members), token).count == 1)
        // zlib bombs in a PNG's text chunks stop at the blob's expansion budget.
        let bomb = try TestArchive.make(.zlib, [("x", Data(count: 24 << 20))])
        func chunk(_ type: String, _ data: Data) -> Data {
            let n = UInt32(data.count)
            return Data([UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]) + Data(type.utf8) + data + Data(count: 4)
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + chunk("IHDR", Data([0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0, 0, 0]))
        for _ in 0..<12 { png += chunk("zTXt", Data("Comment".utf8) + Data([0, 0]) + bomb) }
        png += chunk("IEND", Data())
        #expect(read(png).unscannable.map(\.problem).contains(.limit))
        // A zip appended to a binary whose central directory is broken is damage, not nothing.
        var zip = [UInt8](try TestArchive.make(.zipDeflate, [("app.env", plain)]))
        if let at = (0..<(zip.count - 4)).last(where: { zip[$0] == 0x50 && zip[$0 + 1] == 0x4B && zip[$0 + 2] == 1 && zip[$0 + 3] == 2 }) { zip[at + 2] = 9 }
        // (Read by its local headers, as Java's ZipInputStream reads it.)
        let broken = read(Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) + Data(count: 100) + Data(zip))
        #expect(found(broken, token).count == 1)
    }

    @Test("a blob read as a stream (over 8 MiB) has its payload after other bytes opened too: a large self-extracting installer")
    func streamedInstaller() throws {
        let token = Self.token(24)
        // A short script, then a payload past the streaming threshold (incompressible data).
        let script = Data(("#!/bin/sh\n" + String(repeating: "echo unpacking the installer payload\n", count: 300) + "exit 0\n").utf8)
        var noise = SplitMix(seed: 6)
        let data = Data((0..<(9 << 20)).map { _ in UInt8(truncatingIfNeeded: noise.next()) })
        let payload = try TestArchive.make(.tarGz, [("setup/app.env", Data("TOKEN=\(token)\n".utf8)), ("setup/app.bin", data)])
        let blob = Array(script + Data([0]) + payload)
        #expect(blob.count > Self.limits.streamAbove)
        func source() -> ByteSource {
            var offset = 0
            return { out in
                let n = min(out.count, blob.count - offset)
                blob.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
                offset += n
                return n
            }
        }
        let scan = Self.scanner.read(size: blob.count, from: source(), limits: Self.limits, scratch: MatchScratch(), reopen: { source() })
        #expect(found(scan, token).count == 1)
        #expect(String(decoding: found(scan, token).first?.member ?? [], as: UTF8.self) == "!@\(script.count + 1)/setup/app.env")
        // Without a way to read it again, the windows are all there is.
        let once = Self.scanner.read(size: blob.count, from: source(), limits: Self.limits, scratch: MatchScratch())
        #expect(found(once, token).isEmpty)
    }

    @Test("UTF-16 strings inside binary content are read as text (a Windows binary's wide literals), either byte order")
    func wideStringsInBinaries() {
        let token = Self.token(19)
        let header = Data([0x4D, 0x5A, 0x90, 0]) + Data(count: 200)
        for bigEndian in [false, true] {
            let wide = "GITHUB_TOKEN=\(token)".utf16.flatMap { u in bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
            let hits = found(read(header + Data(wide) + Data(count: 16) + Data("tail".utf8)), token)
            #expect(hits.count == 1, "big endian: \(bigEndian)")
        }
        // UTF-32 strings (a C wide literal where wchar_t has 32 bits), either byte order.
        for bigEndian in [false, true] {
            let wide = "GITHUB_TOKEN=\(token)".unicodeScalars.flatMap { s -> [UInt8] in
                let v = s.value
                let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
                return bigEndian ? le.reversed() : le
            }
            let hits = found(read(header + Data(wide) + Data(count: 16) + Data("tail".utf8)), token)
            #expect(hits.count == 1, "UTF-32, big endian: \(bigEndian)")
        }
        // A byte-order mark, then binary bytes of odd length, then the UTF-16 string: the mark's
        // alignment reads it as other characters, the string is found all the same (once).
        for junk in [1, 3, 99] {
            let bytes = Data([0xFF, 0xFE]) + Data((0..<junk).map { UInt8(0xF0 + $0 % 13) })
                + Data("token=\(token)".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }) + Data([0xFE, 0xFF, 0xFE, 0xFF])
            let hits = found(read(bytes), token)
            #expect(hits.count == 1, "\(junk) bytes after the mark")
        }
        // Well aligned UTF-16 text is found once, not again as binary content.
        let aligned = found(read(try! #require("x\ntoken = \(token)\n".data(using: .utf16))), token)
        #expect(aligned.count == 1 && aligned.first?.encoding == "utf-16le" && aligned.first?.line == 2)
        // Short wide runs (a few letters, as in any binary's tables) are left as they were.
        let view = [UInt8]([0, 0x41, 0, 0x42, 0, 0x43, 0, 0x20, 0x31]).withUnsafeBytes { PrintableRuns.view($0) }
        #expect(view == [0, 0x41, 0, 0x42, 0, 0x43, 0, 0x20, 0x31])
    }

    @Test("a compressed stream or archive in base64 is opened; base64 of text in other scripts is read as text")
    func encodedArchivesAndScripts() throws {
        let token = Self.token(20)
        let gz = try TestArchive.make(.gzip, [("x", Data("GITHUB_TOKEN=\(token)\n".utf8))])
        let zip = try TestArchive.make(.zipDeflate, [("app.env", Data("GITHUB_TOKEN=\(token)\n".utf8))])
        // A zlib stream too (`exec(zlib.decompress(b64decode("eJ…")))`).
        let zlib = try TestArchive.make(.zlib, [("x", Data("import os\nos.environ['GITHUB_TOKEN'] = '\(token)'\n".utf8))])
        for (data, name) in [(gz, "gzip"), (zip, "zip"), (zlib, "zlib")] {
            let hits = found(read("x\nblob: \(data.base64EncodedString())\n"), token)
            #expect(hits.count == 1, "\(name)")
            #expect(hits.first?.encoding == "base64+" + name)
            #expect(hits.first?.line == 2)
            #expect(hits.first?.member == nil)
        }
        // The same in hex (`xxd -p` wraps it at 60 characters; a literal may be upper-case,
        // with `0x`).
        for (data, name) in [(gz, "gzip"), (zip, "zip"), (zlib, "zlib")] {
            let hex = data.map { String(format: "%02x", $0) }.joined()
            let wrapped = stride(from: 0, to: hex.count, by: 60).map { String(hex.dropFirst($0).prefix(60)) }.joined(separator: "\n")
            for text in ["x\n\(wrapped)\n", "x\nblob = \"0x\(hex.uppercased())\"\n"] {
                let hits = found(read(text), token)
                #expect(hits.count == 1 && hits.first?.encoding == "hex+" + name, "\(name): \(text.prefix(20))")
            }
        }
        // Hex with a gzip magic that is no stream (a digest that starts so) is no problem.
        let digest = read("x\nsha = 1f8b08\(String(repeating: "0123456789abcdef", count: 3))aa\n")
        #expect(digest.candidates.isEmpty && digest.unscannable.isEmpty)
        for text in ["€€€€€€€€ GITHUB_TOKEN=\(token)\n", "{\"名前\": \"テスト用のトークン設定ファイル\", \"token\": \"\(token)\"}"] {
            let hits = found(read("x\nv=\(Data(text.utf8).base64EncodedString())\n"), token)
            #expect(hits.first?.encoding == "base64", "\(text)")
        }
        // Base64 that is no archive after all is no problem; a truncated encoded stream is.
        let notOne = read("x\nv=H4sIAAAAAAAAA\(String(repeating: "B", count: 40))\n")
        #expect(notOne.candidates.isEmpty && notOne.unscannable.isEmpty)
        var noise = SplitMix(seed: 4)
        // A stream cut short: what it held up to the cut is read, and the text is not read in
        // full (a stream that gives nothing at all is taken for no archive, as above).
        let long = try TestArchive.make(.gzip, [("x", Data("GITHUB_TOKEN=\(token)\n".utf8) + Data((0..<200_000).map { _ in UInt8(truncatingIfNeeded: noise.next()) }))])
        let cut = read("x\nblob: \(Data(long.prefix(long.count / 2)).base64EncodedString())\n")
        #expect(found(cut, token).count == 1)
        #expect(cut.unscannable.map(\.problem) == [.decodeLimit])
    }

    @Test("a jar and a docx are zips by their bytes, whatever their names; a clean archive yields nothing")
    func zipKin() throws {
        let token = Self.token(5)
        let docx = try TestArchive.make(.zipDeflate, [("[Content_Types].xml", Data("<Types/>".utf8)),
                                                      ("word/document.xml", Data("<w:t>key \(token)</w:t>".utf8))])
        #expect(String(decoding: found(read(docx), token).first?.member ?? [], as: UTF8.self) == "!word/document.xml")
        let jar = try TestArchive.make(.zipDeflate, [("META-INF/MANIFEST.MF", Data("Manifest-Version: 1.0\n".utf8)),
                                                     ("App.class", Data([0xCA, 0xFE, 0xBA, 0xBE, 0, 0]) + Data("TOKEN=\(token)".utf8))])
        #expect(found(read(jar), token).count == 1)
        let clean = try TestArchive.make(.tarGz, [("a.txt", Data("nothing here\n".utf8))])
        let scan = read(clean)
        #expect(scan.candidates.isEmpty && scan.unscannable.isEmpty)
    }

    @Test("archives nest to depth 3; a fourth level is unscannable, named by its path")
    func nesting() throws {
        let token = Self.token(6)
        let level3 = try TestArchive.make(.zipDeflate, [("deep.env", Data("TOKEN=\(token)\n".utf8))])
        let level2 = try TestArchive.make(.tarGz, [("l3.zip", level3)])
        let level1 = try TestArchive.make(.zipStored, [("l2.tgz", level2)])
        #expect(String(decoding: found(read(level1), token).first?.member ?? [], as: UTF8.self) == "!l2.tgz!l3.zip!deep.env")
        // A compression filter around an archive is no level of its own (libarchive reads
        // a gzipped zip as the zip); a fourth archive is.
        #expect(found(read(try TestArchive.make(.gzip, [("x", level1)])), token).count == 1)
        let level0 = try TestArchive.make(.zipDeflate, [("l1.zip", level1)])
        let scan = read(level0)
        #expect(found(scan, token).isEmpty)
        #expect(scan.unscannable.map { String(decoding: $0.member, as: UTF8.self) } == ["!l1.zip!l2.tgz!l3.zip"])
        #expect(scan.unscannable.map(\.problem) == [.depth])
    }

    @Test("bad archives are clear decisions: a zip bomb, too many members, truncated gzip, garbage after a magic, a member too large")
    func badArchives() throws {
        let bomb = read(try TestArchive.zipOfZeros(40 << 20))
        #expect(bomb.unscannable.map(\.problem) == [.limit])
        // Past the ratio, but not past the floor (what a file read whole may hold): clean
        // archives of repetitive content are read; the same past the floor is a bomb.
        let log = Data(String(repeating: "2026-12-06 INFO request served in 3 ms\n", count: 100_000).utf8)
        for kind in [TestArchive.Kind.zipDeflate, .tarGz, .gzip, .bzip2, .xz] {
            let archive = try TestArchive.make(kind, [("app.log", log)])
            #expect(log.count / archive.count > Self.limits.maxExpansionRatio, "\(kind)")
            #expect(read(archive).unscannable.isEmpty, "\(kind)")
        }
        #expect(read(try TestArchive.zipOfZeros(Self.limits.ratioFloorBytes + (1 << 20))).unscannable.map(\.problem) == [.limit])
        let many = read(try TestArchive.make(.tarGz, [], empty: 20_000))
        #expect(many.unscannable.map(\.problem) == [.limit])
        let token = Self.token(7)
        let gz = try TestArchive.make(.gzip, [("x", Data(String(repeating: "line of text \(token)\n", count: 400).utf8))])
        let truncated = read(gz.prefix(gz.count / 2))
        #expect(truncated.unscannable.map(\.problem) == [.corrupt])
        #expect(read(Data([0x50, 0x4B, 0x03, 0x04]) + Data(repeating: 0x41, count: 100)).unscannable.map(\.problem) == [.corrupt])
        var small = Self.limits
        small.maxFileBytes = 4096
        let big = try TestArchive.make(.zipDeflate, [("big.txt", Data(count: 3000) + Data("x".utf8) + Data(count: 3000)), ("ok.env", Data("T=\(token)\n".utf8))])
        let scan = read(big, limits: small)
        #expect(scan.unscannable.map { String(decoding: $0.member, as: UTF8.self) } == ["!big.txt"])
        #expect(found(scan, token).count == 1)
        #expect(read(Data(count: 5000), limits: small).unscannable.map(\.problem) == [.tooLarge])
    }

    // MARK: private keys

    @Test("a private key is found armored (whatever the armor's case) and without its armor, once: OpenSSH, PKCS#1, PKCS#8 and SEC1 keys made by ssh-keygen")
    func privateKeys() throws {
        let dir = try Scratch.directory("keys")
        var made = 0
        for (type, bits, format) in [("ed25519", nil, nil), ("rsa", 2048, "PEM"), ("rsa", 3072, "PKCS8"), ("ecdsa", 256, "PEM"),
                                     ("ecdsa", 384, "PKCS8"), ("ecdsa", 521, "PEM"), ("rsa", 1024, nil)] as [(String, Int?, String?)] {
            made += 1
            let path = dir.appendingPathComponent("k\(made)").path
            let options = (bits.map { ["-b", String($0)] } ?? []) + (format.map { ["-m", $0] } ?? [])
            let result = try run(["ssh-keygen", "-q", "-t", type] + options + ["-N", "", "-C", "", "-f", path])
            #expect(result.status == 0)
            let armored = try String(contentsOfFile: path, encoding: .utf8)
            let rules = { (text: String) in Set(read(text).candidates.map { Self.scanner.ruleSet.rules[$0.ruleIndex].id }) }
            let label = "\(type) \(bits ?? 0) \(format ?? "openssh")"
            #expect(rules(armored) == ["private-key"], "\(label)")
            let lines = armored.split(separator: "\n")
            let mixedCase = "-----Begin" + lines[0].dropFirst(10) + "\n" + lines.dropFirst().joined(separator: "\n") + "\n"
            #expect(rules(mixedCase) == ["private-key"], "\(label)")
            let body = lines.filter { !$0.hasPrefix("-----") }.joined()
            #expect(rules("signing:\n  key: \(body)\n") == ["private-key-body"], "\(label)")
            #expect(rules("{\"key\": \"\(lines.filter { !$0.hasPrefix("-----") }.joined(separator: "\\n"))\"}") == ["private-key-body"], "\(label)")
        }
        // Public keys and certificates are no private keys, armored or not.
        let key = try SSHKey(type: "rsa", bits: 2048)
        let pem = try run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", key.privateKeyPath]).stdout
        let publicBody = String(decoding: pem, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        #expect(read("key: \(publicBody)\n").candidates.isEmpty)
        #expect(read(key.publicKey).candidates.isEmpty)
    }

    // MARK: encoded and split values

    /// A small YAML document holding `token`, in base64.
    static func documentBase64(_ token: String) -> String {
        Data("github:\n  user: ci-bot\n  token: \(token)\n  org: acme\n".utf8).base64EncodedString()
    }

    /// `text` cut every `width` characters, each piece after `open` (the first) or `between`, the last
    /// followed by `close`.
    static func pieces(_ text: String, _ width: Int, _ open: String, _ between: String, _ close: String) -> String {
        let characters = Array(text)
        let cut = stride(from: 0, to: characters.count, by: width).map { String(characters[$0..<min($0 + width, characters.count)]) }
        return open + cut.joined(separator: between) + close
    }

    @Test("encoded values are decoded and scanned, pointing at the encoded line, saying how they were found")
    func encodings() {
        let token = Self.token(8)
        let b64 = Data(token.utf8).base64EncodedString()
        let url = b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let hex = token.utf8.map { String(format: "%02x", $0) }.joined()
        let escaped = token.replacingOccurrences(of: "_", with: "\\u005f")
        let percent = token.utf8.map { String(format: "%%%02X", $0) }.joined()
        let cases: [(String, String)] = [
            ("header\n\(Data("TOKEN=\(token)".utf8).base64EncodedString())\n", "base64"),
            ("a:\n  secret: \(b64)\n", "base64"),
            ("x\nv = \(url.replacingOccurrences(of: "=", with: ""))\n", url.contains("-") || url.contains("_") ? "base64url" : "base64"),
            ("x\nid = \(hex)\n", "hex"),
            ("x\nid = 0x\(hex)\n", "hex"),
            ("x\n{\"a\": \"\(escaped)\"}\n", "unicode-escape"),
            ("x\ns = '\(token.replacingOccurrences(of: "_", with: "\\x5f"))'\n", "hex-escape"),
            ("x\nneutral=\(percent)\n", "percent"),
            // Encoded from a file a Windows editor saved with a UTF-8 byte-order mark.
            ("x\ndata: \((Data([0xEF, 0xBB, 0xBF]) + Data("GITHUB_TOKEN=\(token)\n".utf8)).base64EncodedString())\n", "base64"),
            ("x\n<value>\(token.replacingOccurrences(of: "_", with: "&#95;"))</value>\n", "html-entity"),
            ("x\n<value>\(token.prefix(3))&#x\(String(Array(token.utf8)[3], radix: 16));\(token.dropFirst(4))</value>\n", "html-entity"),
            ("x\nq=gh\(token.dropFirst(2).replacingOccurrences(of: "_", with: "%5F"))\n", "percent"),
            // Escapes whose own opening was escaped: JSON inside a JSON string (`\\u0067`), a
            // string in code written into another (`\\\\x67`), HTML inside XML (`&amp;#103;`),
            // every character so written, and one level more than that inside base64.
            ("x\n{\"a\": \"\(token.unicodeScalars.map { "\\\\u00" + String($0.value, radix: 16) }.joined())\"}\n", "unicode-escape"),
            ("x\nk = '\(token.utf8.map { "\\\\\\\\x" + String($0, radix: 16) }.joined())'\n", "hex-escape"),
            ("x\n<v>\(token.utf8.map { "&amp;#\($0);" }.joined())</v>\n", "html-entity"),
            ("x\n<v>\(token.utf8.map { "&amp;#x\(String($0, radix: 16));" }.joined())</v>\n", "html-entity"),
            ("x\npayload: \(Data("{\"k\": \"\(token.unicodeScalars.map { "\\\\u00" + String($0.value, radix: 16) }.joined())\"}".utf8).base64EncodedString())\n",
             "base64+unicode-escape"),
            ("x\nexport V=\(token.prefix(17))\\\n  \(token.dropFirst(17))\n", "joined"),
            // A batch file's caret continuation (CRLF, as such files are, and LF).
            ("x\r\nset V=\(token.prefix(19))^\r\n\(token.dropFirst(19))\r\n", "joined"),
            ("x\nset V=\(token.prefix(9))^\n\(token.dropFirst(9))\n", "joined"),
            // A literal interpolated into a string: Python's f-string, JavaScript's template
            // (the literal first), Ruby's double-quoted string, two in one.
            ("x\ntoken = f\"\(token.prefix(11)){'\(token.dropFirst(11).prefix(10))'}\(token.dropFirst(21))\"\n", "joined"),
            ("x\nconst t = `${\"\(token.prefix(14))\"}\(token.dropFirst(14))`;\n", "joined"),
            // A string filled in by literals: `.format`, `%`, a separator's join.
            ("x\nk = \"\(token.prefix(8)){}\(token.dropFirst(20))\".format(\"\(token.dropFirst(8).prefix(12))\")\n", "joined"),
            ("x\nk = '\(token.prefix(8)){1}{0}' .format('\(token.dropFirst(20))', '\(token.dropFirst(8).prefix(12))')\n".replacingOccurrences(of: "' .format", with: "'.format"), "joined"),
            ("x\nk = \"\(token.prefix(2))%s_\(token.dropFirst(4))\" % \"\(token.dropFirst(2).prefix(1))\"\n", "joined"),
            ("x\nk = '%s%s' % ('\(token.prefix(15))', '\(token.dropFirst(15))')\n", "joined"),
            ("x\nk = \"_\".join([\"\(token.prefix(3))\", \"\(token.dropFirst(4))\"])\n", "joined"),
            ("x\nTOKEN = \"\(token.prefix(6))#{'\(token.dropFirst(6).prefix(8))'}\(token.dropFirst(14).prefix(5))#{\"\(token.dropFirst(19))\"}\"\n", "joined"),
            ("k:\n  value: >-\n    \(token.prefix(20))\n    \(token.dropFirst(20))\nnext: 1\n", "joined"),
            ("x\nvar a = \"\(token.prefix(15))\" + \"\(token.dropFirst(15))\";\n", "joined"),
            // Concatenation however it is spaced and wherever the operator stands; strings side
            // by side; template literals; a YAML block scalar as a list item.
            ("x\nvar a = \"\(token.prefix(15))\" +\n    \"\(token.dropFirst(15))\";\n", "joined"),
            ("x\nString a = \"\(token.prefix(15))\"\n    + \"\(token.dropFirst(15))\";\n", "joined"),
            ("x\na = '\(token.prefix(9))'+ '\(token.dropFirst(9))'\n", "joined"),
            ("x\na = \"\(token.prefix(9))\"  +  \"\(token.dropFirst(9))\"\n", "joined"),
            ("x\n$a = \"\(token.prefix(9))\".\"\(token.dropFirst(9))\";\n", "joined"),
            ("x\nx = (\"\(token.prefix(20))\" \"\(token.dropFirst(20))\")\n", "joined"),
            ("x\nconst x = `\(token.prefix(20))` + `\(token.dropFirst(20))`;\n", "joined"),
            // Strings side by side with nothing between (shell, Python), split inside the
            // token's prefix under a neutral name; single and mixed quotes.
            ("x\nNEUTRAL=\"\(token.prefix(2))\"\"\(token.dropFirst(2))\"\n", "joined"),
            ("x\nv = '\(token.prefix(3))''\(token.dropFirst(3))'\n", "joined"),
            ("x\nV=\"\(token.prefix(20))\"'\(token.dropFirst(20))'\n", "joined"),
            // A token split into variables inside its prefix and joined under a neutral name
            // (no keyword in a piece or in the key): shell, braces, make, exported. (The chain
            // on the second line, where these cases look; a value may be assigned after it.)
            ("A=\(token.prefix(2))\nNEUTRAL=\"$A$B\"\nB=\(token.dropFirst(2))\n", "variables"),
            ("A='\(token.prefix(2))'\nV=\"${A}${B}\"\nB=\"\(token.dropFirst(2))\"\n", "variables"),
            ("A = \(token.prefix(3))\nX = $(A)$(B)\nB = \(token.dropFirst(3))\n", "variables"),
            ("P=\(token.prefix(10))\nexport OUT=$P$Q\nQ=\(token.dropFirst(10))\n", "variables"),
            ("tokens:\n  - >-\n    \(token.prefix(20))\n    \(token.dropFirst(20))\n", "joined"),
            // Strings side by side on two lines: Python in parentheses, C, CRLF line ends.
            ("x\nx = (\n    \"\(token.prefix(15))\"\n    \"\(token.dropFirst(15))\"\n)\n".replacingOccurrences(of: "x = (\n", with: "x = ("), "joined"),
            ("x\nconst char *k = \"\(token.prefix(15))\"\n                \"\(token.dropFirst(15))\";\n", "joined"),
            ("x\r\nk = ('\(token.prefix(15))'\r\n     '\(token.dropFirst(15))')\r\n", "joined"),
            // Octal escapes (printf, C) and Python's eight-digit \U escapes.
            ("x\nprintf '\(token.utf8.map { byte -> String in let o = String(byte, radix: 8); return "\\" + String(repeating: "0", count: 3 - o.count) + o }.joined())'\n",
             "octal-escape"),
            ("x\ns = \"\(token.utf8.map { "\\U000000" + String($0, radix: 16) }.joined())\"\n", "unicode-escape"),
            // Strings listed on one line, then joined by code; in JSON.
            ("x\nconst k = [\"\(token.prefix(15))\", \"\(token.dropFirst(15))\"].join(\"\");\n", "joined"),
            ("x\n{\"k\": [\"\(token.prefix(15))\",\"\(token.dropFirst(15))\"]}\n", "joined"),
            // A seam joined without commas earlier on the line does not keep the list from joining.
            ("x\nv = \"ab\" + c; t = [\"\(token.prefix(15))\", \"\(token.dropFirst(15))\"].join(\"\")\n", "joined"),
            // Hex written byte by byte: spaced, a C array over lines, an xxd dump.
            ("x\nv = \(token.utf8.map { String(format: "%02x", $0) }.joined(separator: " "))\n", "hex"),
            ("x\nv = \(token.utf8.map { String(format: "%02x", $0) }.joined(separator: "-"))\n", "hex"),
            ("x\nstatic const char k[] = {" + token.utf8.enumerated().map { String(format: "0x%02x,", $1) + ($0 % 12 == 11 ? "\n    " : " ") }.joined() + "0x00};\n", "hex"),
            ("x\n" + Self.xxd(Array("GITHUB_TOKEN=\(token)\n".utf8)), "hex"),
            // Text a markup split into runs (a Word document's bold second half).
            ("x\n<w:p><w:r><w:t>GITHUB_TOKEN=\(token.prefix(20))</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>\(token.dropFirst(20))</w:t></w:r></w:p>\n",
             "markup"),
            // A token a line end splits: a quoted value over lines (.env, YAML double- and
            // single-quoted), a YAML plain value folded onto a deeper line, strings listed one
            // per line and joined by code, a concatenation over three lines; CRLF too.
            ("x\nGITHUB_TOKEN=\"\(token.prefix(20))\n\(token.dropFirst(20))\"\n", "joined"),
            ("x\ntoken: \"\(token.prefix(20))\n  \(token.dropFirst(20))\"\n", "joined"),
            ("x\ntoken: '\(token.prefix(12))\r\n  \(token.dropFirst(12))'\r\n", "joined"),
            ("x\ntoken: \(token.prefix(20))\n  \(token.dropFirst(20))\nnext: 1\n", "joined"),
            ("t = \"\".join([\n    \"\(token.prefix(20))\",\n    \"\(token.dropFirst(20))\",\n])\n", "joined"),
            ("x\nlet t = \"\(token.prefix(10))\" +\n  \"\(token.dropFirst(10).prefix(10))\" +\n  \"\(token.dropFirst(20))\"\n", "joined"),
            // Strings a keyword opens, continued on the line: a template literal's
            // substitutions, `printf` of strings side by side after its format.
            ("x\nconst t = `${\"\(token.prefix(20))\"}${\"\(token.dropFirst(20))\"}`;\n", "joined"),
            ("x\nsb.append(\"\(token.prefix(20))\").append(\"\(token.dropFirst(20))\");\n", "joined"),
            ("x\nTOKEN=$(printf \"%s%s\" \"\(token.prefix(20))\" \"\(token.dropFirst(20))\")\n", "joined"),
            // Letters turned 13 places (`tr a-zA-Z n-za-mN-ZA-M`), and reversed (`rev`, `[::-1]`).
            ("x\nX=\"\(String(decoding: Decoders.rot13(Array(token.utf8)), as: UTF8.self))\" # tr a-zA-Z n-za-mN-ZA-M\n", "rot13"),
            ("x\nT = \"\(String(token.reversed()))\"[::-1]\n", "reversed"),
            // Base32 (RFC 4648).
            ("x\nx=\(Self.base32(Array("GITHUB_TOKEN=\(token)\n".utf8)))\n", "base32"),
            // Bytes as decimal numbers: a byte array on one line, and over lines.
            ("x\nbyte[] k = {" + token.utf8.map { String($0) }.joined(separator: ", ") + "};\n", "decimal"),
            ("x\nk = bytes([" + token.utf8.enumerated().map { String($1) + ($0 % 10 == 9 ? ",\n    " : ",") }.joined() + "])\n", "decimal"),
            // Characters written one by one: a C array ending in '\0', a Java array over
            // lines, a script's list of one-character strings.
            ("x\nchar k[] = {" + token.map { "'\($0)'" }.joined(separator: ",") + ",'\\0'};\n", "chars"),
            ("x\nchar[] k = {" + token.enumerated().map { "'\($1)'" + ($0 % 10 == 9 ? ",\n    " : ", ") }.joined() + "};\n", "chars"),
            ("x\nconst k = [" + token.map { "\"\($0)\"" }.joined(separator: ", ") + "].join('');\n", "chars"),
            // The same call once a piece: a StringBuilder's appends, Kotlin's buildString.
            ("x\nsb.append(\"\(token.prefix(14))\");\nsb.append(\"\(token.dropFirst(14).prefix(12))\");\nsb.append(\"\(token.dropFirst(26))\");\n", "joined"),
            ("val t = buildString {\n    append(\"\(token.prefix(20))\")\n    append(\"\(token.dropFirst(20))\")\n}\n", "joined"),
            // A method of the string itself (`"…".concat("…")`, one argument or two), and a
            // builder's calls chained over lines, each opening its line.
            ("x\nString t = \"\(token.prefix(20))\".concat(\"\(token.dropFirst(20))\");\n", "joined"),
            // (Two arguments: the literals in a row are also joined as listed pieces, at once.)
            ("x\nconst t = \"\(token.prefix(14))\".concat(\"\(token.dropFirst(14).prefix(10))\", \"\(token.dropFirst(24))\");\n", "joined"),
            ("x\nString t = new StringBuilder(\"\(token.prefix(14))\")\n    .append(\"\(token.dropFirst(14).prefix(12))\")\n    .append(\"\(token.dropFirst(26))\").toString();\n", "joined"),
            ("x\nString t = new StringBuilder().append(\"\(token.prefix(14))\")\n    .append(\"\(token.dropFirst(14))\").toString();\n", "joined"),
            // Comments between the pieces: after the operator, before it, on a line of their
            // own, a block comment between strings side by side.
            ("x\nt = (\"\(token.prefix(20))\"  # org\n     \"\(token.dropFirst(20))\")\n", "joined"),
            ("x\nconst t = \"\(token.prefix(20))\" + // first half\n  \"\(token.dropFirst(20))\";\n", "joined"),
            ("x\nconst t = [\"\(token.prefix(20))\", // a\n  \"\(token.dropFirst(20))\"].join(\"\");\n", "joined"),
            ("x\nlet t = \"\(token.prefix(20))\" +\n  // the rest\n  \"\(token.dropFirst(20))\"\n", "joined"),
            ("x\nconst char *t = \"\(token.prefix(20))\" /* a */ \"\(token.dropFirst(20))\";\n", "joined"),
            // Shell words: quoted and bare parts glued together (the strings side by side
            // joined first, then the bare part to them).
            ("x\nX=\(token.prefix(14))\"\(token.dropFirst(14).prefix(12))\"'\(token.dropFirst(26))'\n", "joined+joined"),
            ("x\nX=\(token.prefix(14))\"\(token.dropFirst(14))\"\n", "joined"),
            ("x\nX=\"\(token.prefix(14))\"\(token.dropFirst(14))\n", "joined"),
            // Characters no reader sees inside a value: a zero-width space, a soft hyphen.
            ("x\nGITHUB_TOKEN=\(token.prefix(12))\u{200B}\(token.dropFirst(12))\n", "invisible"),
            ("x\nGITHUB_TOKEN=\(token.prefix(12))\u{AD}\(token.dropFirst(12))\n", "invisible"),
            // The same in HTML: by number and by name, and a `<wbr>` a page lets a browser break at.
            ("x\n<p>Token: \(token.prefix(12))&#8203;\(token.dropFirst(12))</p>\n", "html-entity"),
            ("x\n<p>Token: \(token.prefix(12))&shy;\(token.dropFirst(12))</p>\n", "html-entity"),
            ("x\nToken: \(token.prefix(12))&ZeroWidthSpace;\(token.dropFirst(12))\n", "html-entity"),
            ("x\nToken: \(token.prefix(12))<wbr>\(token.dropFirst(12))\n", "markup"),
            ("x\nToken: \(token.prefix(20))<WBR />\(token.dropFirst(20))\n", "markup"),
            // Markup no reader sees inside a token: an HTML or XML comment, CDATA sections,
            // Markdown's bold, adjacent code spans and an escaped underscore.
            ("x\n<p>Token: \(token.prefix(12))<!-- -->\(token.dropFirst(12))</p>\n", "markup"),
            ("x\nThe token is \(token.prefix(12))<!-- a > b -->\(token.dropFirst(12))\n", "markup"),
            ("x\n<token><![CDATA[\(token.prefix(12))]]>\(token.dropFirst(12))</token>\n", "markup"),
            ("x\n<cfg><token><![CDATA[\(token.prefix(12))]]><![CDATA[\(token.dropFirst(12))]]></token></cfg>\n", "markup"),
            ("x\nUse token **\(token.prefix(12))**\(token.dropFirst(12)) for CI.\n", "markup"),
            ("x\nUse token `\(token.prefix(12))``\(token.dropFirst(12))` here\n", "markup"),
            ("x\nThe token is ghp\\\(token.dropFirst(3))\n", "markup"),
            // Base64 wrapped narrower than a run: every 16 and 20 characters, CRLF, indented
            // under a YAML key, alone in a file; and joined with spaces where a wrapped value
            // was pasted onto one line.
            ("x\n" + Self.wrapped(Data("GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString(), 16, "\n"), "base64"),
            // A last line of two characters and its padding (`Mw==`).
            ("x\n" + Self.wrapped(Data(token.utf8).base64EncodedString(), 13, "\n"), "base64"),
            ("x\n" + Self.wrapped(Data("{\"token\": \"\(token)\"}".utf8).base64EncodedString(), 20, "\r\n"), "base64"),
            ("data:\n  " + Self.wrapped(Data("GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString(), 12, "\n  "), "base64"),
            // An armour line before base64 wrapped at 64: its last word is no first line of it.
            ("-----BEGIN DATA-----\n" + Self.wrapped(Data("{\n  \"github\": {\n    \"user\": \"ci\",\n    \"token\": \"\(token)\"\n  }\n}".utf8).base64EncodedString(), 64, "\n")
                + "-----END DATA-----\n", "base64"),
            ("x\nv: " + Self.wrapped(Data("{\"github\": {\"user\": \"ci\", \"token\": \"\(token)\"}}".utf8).base64EncodedString(), 76, " "), "base64"),
            // Base64 cut into quoted pieces at a multiple of four (each piece decodes alone;
            // the token lies across two): a JSON array over lines, a YAML sequence, a
            // concatenation, strings side by side in parentheses, a shell continuation.
            ("{\"chunks\": [\n" + Self.pieces(Self.documentBase64(token), 60, "  \"", "\",\n  \"", "\"\n") + "]}\n", "base64"),
            ("chunks:\n" + Self.pieces(Self.documentBase64(token), 48, "  - '", "'\n  - '", "'\n"), "base64"),
            ("x\nconst v = " + Self.pieces(Self.documentBase64(token), 40, "\"", "\" +\n  \"", "\";\n"), "base64"),
            ("x\nv = (" + Self.pieces(Self.documentBase64(token), 32, "\"", "\"\n     \"", "\")\n"), "base64"),
            ("x\nV=" + Self.pieces(Self.documentBase64(token), 48, "\"", "\"\\\n\"", "\"\n"), "base64"),
            // Wrapped base64 commented out, a marker opening each line (`#`, `//`, ` * `).
            ("x\n" + Self.pieces(Self.documentBase64(token), 40, "# ", "\n# ", "\n"), "base64"),
            ("x\n" + Self.pieces(Self.documentBase64(token), 32, "  // ", "\n  // ", "\n"), "base64"),
            ("/*\n" + Self.pieces(Self.documentBase64(token), 36, " * ", "\n * ", "\n */\n"), "base64"),
            // Base64 joined to a name by `_` (two alphabets in one run).
            ("x\nx=cfg_\(Data(">>>??? GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString())\n", "base64"),
            // Base64 of UTF-16LE text: PowerShell's -EncodedCommand.
            ("x\npowershell -EncodedCommand \(Data("$env:GITHUB_TOKEN=\"\(token)\"".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).base64EncodedString())\n",
             "base64+utf-16le"),
        ]
        for (text, encoding) in cases {
            let hits = found(read(text), token)
            #expect(hits.count == 1, "\(encoding): \(text.debugDescription)")
            #expect(hits.first?.encoding == encoding, "\(text.debugDescription)")
            // A folded block's lines are also a word alone on its line and the words under it
            // (`joinListedPieces`): the narrower place, the token's first line, is the one kept.
            let line = text.contains(">-\n    ghp_") ? 3 : 2
            #expect(hits.first?.line == line, "\(text.debugDescription)")
        }
        // Headings and their underlines, a word of one kind over another: no wrapped base64.
        let headings = "git-credential-store\n--------------------\n\nSYNOPSIS\n--------\nnode_modules\nbuild\nCONFIGURATION\nvariables\n"
        #expect(Self.runsBothWays(Array(headings.utf8)).every.isEmpty)
        // A file that is nothing but base64 wrapped every 8 characters (no byte before the
        // first line for a trigger to see).
        let alone = Self.wrapped(Data("GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString(), 8, "\n")
        #expect(found(read(alone), token).map(\.encoding) == ["base64"])
        #expect(found(read(alone), token).first?.line == 1)
        // Quoted values of one width that do not decode as one (a list of unrelated values):
        // each is still read alone.
        let document = Data("GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString()
        let noise = Data((0..<(document.count / 4 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }).base64EncodedString()
        #expect(noise.count == document.count)
        #expect(found(read("x\nvalues = [\"\(document)\",\n  \"\(noise)\"]\n"), token).map(\.encoding) == ["base64"])
        #expect(found(read("x\nvalues = [\"\(noise)\",\n  \"\(document)\"]\n"), token).map(\.encoding) == ["base64"])
        #expect(found(read("x\n# \(document)\n# \(noise)\n"), token).map(\.encoding) == ["base64"])
        // A join that decodes but is not the value: a call's next argument after an unpadded
        // value, a value out of step with the one before it (widths not a multiple of four);
        // each piece is still read alone. And a key after a value is no piece of it.
        var even = "GITHUB_TOKEN=" + token
        while even.utf8.count % 3 != 0 { even = " " + even }
        let unpadded = Data(even.utf8).base64EncodedString()
        #expect(!unpadded.hasSuffix("="))
        #expect(found(read("x\nconst v = Buffer.from(\"\(unpadded)\", \"base64\");\n"), token).count == 1)
        let prose = String(repeating: "plain words of a longer text, ", count: 10) + "e"
        let urlSafe = { (t: String) in Data(t.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "") }
        #expect(urlSafe(prose).count % 4 != 0)
        #expect(found(read("x\nv = [\"\(urlSafe(prose))\",\n  \"\(urlSafe("GITHUB_TOKEN=" + token))\"]\n"), token).count == 1)
        #expect(found(read("x\n{\"v\": \"\(unpadded)\", \"apiKey\": \"abcdEFGH\"}\n"), token).count == 1)
        #expect(found(read("x\n# \(noise)\n# \(document)\n"), token).map(\.encoding) == ["base64"])
    }

    @Test("a Jupyter notebook's cells are read as the code they hold: a split in a cell, a variable from another cell, an output over text elements")
    func notebookCells() throws {
        let token = Self.token(41)
        // Each cell's source: its lines, or one string.
        func notebook(_ cells: [Any], outputs: [String] = []) throws -> String {
            func json(_ value: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) }
            var list: [[String: Any]] = cells.map { ["cell_type": "code", "metadata": [String: Any](), "outputs": [Any](), "source": $0] }
            if !outputs.isEmpty { list.append(["cell_type": "code", "metadata": [String: Any](), "source": ["print(t)"], "outputs": [["name": "stdout", "output_type": "stream", "text": outputs]]]) }
            return try json(["cells": list, "metadata": [String: Any](), "nbformat": 4, "nbformat_minor": 5]).replacingOccurrences(of: "\"source\" : ", with: "\"source\": ")
                .replacingOccurrences(of: "\"text\" : ", with: "\"text\": ") + "\n"
        }
        let (a, b) = (String(token.prefix(20)), String(token.dropFirst(20)))
        let texts = [
            try notebook([["tok = \"\(a)\" + \\\n", "      \"\(b)\"\n"]]),
            try notebook([["import os\n"], ["tok = \"\(a)\"\n"], ["tok += \"\(b)\"\n", "client(tok)\n"]]),
            try notebook([["x = 1\n"]], outputs: ["\(a)", "\(b)\n"]),
            // A cell's source in one string (nbformat allows it).
            try notebook(["a = \"\(a)\"\nb = \"\(b)\"\nt = a + b\n"]),
        ]
        for text in texts {
            let hits = found(read(text), token)
            #expect(hits.count == 1, "\(text)")
            #expect(hits.first?.encoding?.hasPrefix("notebook") == true, "\(hits.map(\.encoding))")
            // At the line of the array it was read from (all cells together: the first's).
            let opening = text.contains("\"text\": [") ? "\"text\": [" : "\"source\": "
            let line = text[..<text.range(of: opening)!.lowerBound].filter { $0 == "\n" }.count + 1
            #expect(hits.first?.line == line, "\(text)")
        }
        // A clean notebook: nothing.
        #expect(read(try notebook([["import numpy as np\n", "x = np.arange(10)\n"], ["print(x)\n"]])).candidates.isEmpty)
    }

    @Test("a mapping's next key is not joined to the value before it, nor a short word to a word, nor dotted names")
    func notJoined() {
        // A digest as a password's value, made at run time (no committed line reads as one).
        var rng = SplitMix(seed: 5)
        let hexDigits = Array("0123456789abcdef")
        let digest = String((0..<64).map { _ in hexDigits[Int(rng.next() % 16)] })
        let texts = [
            "{\"password\": \"\(digest)\", \"_id\": \"\(digest.prefix(24))\"}\n",
            "opts = {'_auth': 'negotiate', '_configuration_name': 'Microsoft.PowerShell'}\n",
            "raise ValueError(\"the token was\"\n                 \"refused\")\n",
            "@ConditionalOnClass(name = { \"org.springframework.boot.autoconfigure.Thing\", \"org.springframework.other.Config\" })\n",
        ]
        // Whole tokens listed one per line are each their own, never one joined to the next;
        // a plain value's next line is not its continuation when it is a key or no deeper;
        // a value's next line that is a mapping's key (`"request_id": …`) is not either.
        let whole = Self.token(9), other = Self.token(10)
        let lists = [
            "tokens = [\n    \"\(whole)\",\n    \"\(other)\",\n]\n",
            "cases := []string{\n\t\"\(whole)\",\n\t\"a1B2c3D4e5F6g7H8\",\n}\n",
            "token: \(whole.prefix(20))\n\(whole.dropFirst(20))\n",
            "{\n  \"link\": \"\(whole.prefix(20))\",\n  \"request_id\": \"Gys5pGY7tIPDrlL\"\n}\n",
        ]
        for text in lists {
            #expect(!read(text).candidates.contains { $0.encoding == "joined" }, "\(text.debugDescription)")
        }
        // Two values in a row that together make a token whose checksum holds are its halves
        // (`Decoders.joinListedPieces`, as an INI section's `token_a` and `token_b`): one finding.
        #expect(found(read("a:\n  token: \(whole.prefix(20))\n  next: \(whole.dropFirst(20))\n"), whole).count == 1)
        for text in texts {
            #expect(!read(text).candidates.contains { $0.encoding == "joined" }, "\(text.debugDescription)")
        }
        // Character literals in short lists (separators, digits) are not read as text.
        let chars = "seps = [',', ';', ':', '|', '-']\ndigits = {'0','1','2','3','4','5','6','7','8','9','a','b','c','d','e'}\n"
        #expect(!read(chars).candidates.contains { $0.encoding == "chars" })
    }

    @Test("bytes as decimal numbers with no lower-case letter among them (an AWS key id) are decoded; a table of numbers is not text")
    func upperCaseDecimalBytes() {
        var factory = SecretFactory(seed: 3)
        let key = factory.awsAccessKey()
        let codes = Array("AWS_ACCESS_KEY_ID=\(key)".utf8).map(String.init)
        for text in ["K = bytes([" + codes.joined(separator: ",") + "]).decode()\n",
                     "x\nbyte[] k = {" + codes.joined(separator: ", ") + "};\n"] {
            let hits = found(read(text), key)
            #expect(hits.count == 1, "\(text.debugDescription)")
            #expect(hits.first?.encoding == "decimal")
        }
        // Scores in a table: numbers of the range, no text once decoded, no finding.
        let table = "scores = [61, 75, 88, 90, 72, 66, 95, 81]\nmore = [70,71,72,73]\n"
        #expect(!read(table).candidates.contains { $0.encoding == "decimal" })
    }

    @Test("an AWS key id rot13'd or reversed is found; the transformed prefixes in ordinary text find nothing")
    func hiddenPrefixes() {
        var factory = SecretFactory(seed: 8)
        let key = factory.awsAccessKey()
        let rot13 = String(decoding: Decoders.rot13(Array(key.utf8)), as: UTF8.self)
        let reversed = String(key.reversed())
        // Also after a name that holds the other kind's prefix (`ex_y` is rot13 `rk_l`, `aphs`
        // reversed `shpa`), and after a long token run that reaches past the first one's reach.
        for (text, encoding) in [("aws_key = \"\(rot13)\"\n", "rot13"), ("k=$(echo \(reversed) | rev)\n", "reversed"),
                                 ("index_y=\(reversed)\n", "reversed"), ("paragraphs=\(rot13)\n", "rot13"),
                                 ("k=tuc_" + String(repeating: "a", count: 300) + ".\(rot13)\n", "rot13")] {
            let hits = found(read(text), key)
            #expect(hits.count == 1 && hits.first?.encoding == encoding, "\(text.debugDescription)")
        }
        // Words that hold a transformed prefix, and a rot13'd token cut too short: read, and
        // nothing comes of them.
        let ordinary = "the tuc_handler and NXVN_FLAG; path_phg = 1; AIKA_MODE=on\nX=\"\(rot13.prefix(10))\"\n"
        let scan = read(ordinary)
        #expect(!scan.candidates.contains { $0.encoding == "rot13" || $0.encoding == "reversed" }, "\(scan.candidates)")
    }

    @Test("a token a line end splits is joined where it goes on, and only there")
    func splitTokens() throws {
        let a = "ghp_" + String(repeating: "A1b2", count: 4), b = String(repeating: "C3d4", count: 5)
        // The join at the first `ghp_`, with every `ghp_` as a keyword start.
        func join(_ text: String) -> String? {
            let bytes = Array(text.utf8)
            let starts = (0..<max(0, bytes.count - 3)).filter { bytes[$0..<($0 + 4)].elementsEqual("ghp_".utf8) }
            return bytes.withUnsafeBytes { raw -> String? in
                guard let at = starts.first else { return nil }
                return Decoders.joinSplitToken(raw, keyword: at, length: 4, keywordStarts: starts).map { String(decoding: $0.0, as: UTF8.self) }
            }
        }
        // Joined: a quoted value over lines, a plain YAML value on a deeper line, a list.
        #expect(join("GITHUB_TOKEN=\"\(a)\n\(b)\"\nX=1\n") == "GITHUB_TOKEN=\"\(a)\(b)\"")
        #expect(join("token: \(a)\n  \(b)\nnext: 1\n") == "token: \(a)\(b)")
        #expect(join("    \"\(a)\",\n    \"\(b)\",\n])\n") == "    \"\(a)\(b)\",")
        // Not joined: a mapping's next key, a plain value's next key or shallower line, a
        // token a keyword opens on the next line (a list of whole tokens), a token with more
        // after it on its line, pieces too short together.
        #expect(join("  \"link\": \"\(a)\",\n  \"request_id\": \"Gys5pGY7tIPDrlL\"\n") == nil)
        #expect(join("token: \(a)\n  next: \(b)\n") == nil)
        #expect(join("  token: \(a)\n  \(b)\n") == nil)
        #expect(join("    \"\(a)\",\n    \"\(a)\(b)\",\n") == nil)
        #expect(join("x = \"\(a)\" + y\n  \"\(b)\"\n") == nil)
        #expect(join("t = \"ghp_A1\",\n  \"b2C3\",\n") == nil)
        // On one line: strings side by side or in a template joined, not a list of whole
        // tokens a keyword opens each of.
        #expect(join("printf '%s%s' '\(a)' '\(b)'") == "printf '%s%s' '\(a)\(b)'")
        #expect(join("t = `${\"\(a)\"}${\"\(b)\"}`;\n") == "t = `${\"\(a)\(b)\"}`;")
        #expect(join("x = [\"\(a)\", \"\(a)\(b)\"]\n") == nil)
        // The next string holds a name and a value, not the rest of the token.
        #expect(join("fps := []string{\n\t`\(a)`,\n\t`NAME_OF_KEY=\(b)`,\n}\n") == nil)
        #expect(join("x = \"\(a)\" \"NAME=\(b)\"\n") == nil)
        // A line longer than a look ahead reaches is joined as far as it was looked at, with
        // no byte of it lost (the look's end is no line end).
        let long = "x = \"\(a)\" \"" + String(repeating: "C3d4", count: 2500) + "\"\n"
        let joined = try? #require(join(long))
        let whole = "x = \"\(a)" + String(repeating: "C3d4", count: 2500) + "\""
        #expect(joined.map { whole.hasPrefix($0) && $0.count > 8000 } == true)
        // A plain YAML value that starts on the line below its key goes on over lines deeper
        // than the key; a line as shallow as the key, or a key of its own, ends it.
        #expect(join("token:\n  \(a)\n  \(b)\nnext: 1\n") == "  \(a)\(b)")
        #expect(join("  token:\n    \(a)\n      \(b)\n") == "    \(a)\(b)")
        #expect(join("token:\n  \(a)\n\(b)\n") == nil)
        #expect(join("token:\n  \(a)\n  next: \(b)\n") == nil)
        #expect(join("token: 1\n  \(a)\n  \(b)\n") == nil)
        // List items at one indentation (a YAML sequence of pieces, bare or quoted, joined
        // by code); not an item at another indentation, nor a mapping item, nor prose after.
        #expect(join("parts:\n  - \(a)\n  - \(b)\n") == "  - \(a)\(b)")
        #expect(join("parts:\n  - \"\(a)\"\n  - \"\(b)\"\nnext: 1\n") == "  - \"\(a)\(b)\"")
        #expect(join("parts:\n  - \(a)\n    - \(b)\n") == nil)
        #expect(join("parts:\n  - \(a)\n  - name: \(b)\n") == nil)
        #expect(join("- \(a) is the token\n- \(b)\n") == nil)
        // On one long line (a JSON file written without line breaks), each join reads at most
        // `lineReach` before its keyword, as on a line of its own: not all of the line before.
        let line = Array(String(repeating: "{\"t\":\"\(a)\",\"x\":1},", count: 2000).utf8)
        let keywords = (0..<(line.count - 3)).filter { line[$0..<($0 + 4)].elementsEqual("ghp_".utf8) }
        var regions: [Range<Int>] = []
        var budget = Int.max
        line.withUnsafeBytes { raw in
            _ = Decoders.joinSplitTokens(raw, keywords: keywords.map { ($0, 4) }, starts: keywords, budget: &budget) { regions.append($0.region) }
        }
        #expect(regions.count > 4)
        #expect(regions.allSatisfy { $0.count <= 3 * Decoders.lineReach })
        // A generic rule's word inside the next piece (`key`, `ftp`, `pwd` in a random token)
        // does not stop the join: only a keyword opening the piece would.
        var factory = SecretFactory(seed: 1)
        var token = factory.githubToken()
        while !["key", "ftp", "pwd", "auth", "pass"].contains(where: { token.dropFirst(20).lowercased().contains($0) }) {
            token = factory.githubToken()
        }
        let split = "GITHUB_TOKEN=\"\(token.prefix(20))\n\(token.dropFirst(20))\"\nX=1\n"
        #expect(found(read(split), token).first?.encoding == "joined", "\(token)")
    }

    /// Each `(text, value, line)`: the value found once in the text, at that line, so.
    func expectFoundOnce(_ cases: [(String, String, Int)], encoding: String?) {
        for (text, value, line) in cases {
            let hits = found(read(text), value)
            #expect(hits.count == 1, "\(text.debugDescription)")
            #expect(hits.first?.encoding == encoding, "\(text.debugDescription)")
            #expect(hits.first?.line == line, "\(text.debugDescription)")
        }
    }

    /// An AWS secret access key's shape: 40 of base64's characters.
    static func awsSecret(_ factory: inout SecretFactory) -> String {
        factory.random(40, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
    }

    @Test("a value under a key that names its provider is read with that key, in YAML, JSON, code and INI sections, for that provider's rules only")
    func nestedKeys() throws {
        var factory = SecretFactory(seed: 21)
        let secret = Self.awsSecret(&factory)
        let hex = factory.random(32, from: "0123456789abcdef")
        // (text, value, line) found under the header, `encoding: "nested"`.
        let found: [(String, String, Int)] = [
            ("aws:\n  secret_key: \(secret)\n", secret, 2),
            ("cloud:\n  aws:\n    credentials:\n      access-key: x\n\n      # the key\n      secret-key: \(secret)\n", secret, 7),
            ("- aws:\n    secret:\n      \(secret)\nnext: 1\n", secret, 2),
            ("{\n  \"aws\": {\n    \"region\": \"eu-west-1\",\n    \"secretKey\": \"\(secret)\"\n  }\n}\n", secret, 4),
            ("AWS = {\n    'secret_key': '\(secret)',\n}\n", secret, 2),
            ("const aws = {\n  secretKey: \"\(secret)\",\n};\n", secret, 2),
            ("provider:\n  twilio: # sms\n    auth_token: \(hex)\n", hex, 3),
            ("[twilio]\r\naccount = main\r\nauth_token = \(hex)\r\n", hex, 3),
            ("[[services.twilio]]\nauth_token = \"\(hex)\"\n", hex, 2),
            // A header that names a secret itself holds one under any key (Terraform).
            ("variable \"corp_twilio_auth_token\" {\n  default = \"\(hex)\"\n}\n", hex, 2),
        ]
        expectFoundOnce(found, encoding: "nested")
        // The SDKs' and the API's own name for the value needs no header: found plainly.
        expectFoundOnce([("aws:\n  secret_access_key: \(secret)\n", secret, 2),
                         ("{\n  \"aws\": {\n    \"secretAccessKey\": \"\(secret)\"\n  }\n}\n", secret, 3),
                         ("{\"Credentials\": {\"SecretAccessKey\": \"\(secret)\"}}\n", secret, 1)], encoding: nil)
        // Not under the header: a sibling block, a deeper key after the block ended, the next
        // section; a header with a value of its own; a key on the next line (no value).
        let apart = [
            "twilio:\n  sid: x\nother:\n  auth_token: \(hex)\n",
            "  twilio:\n    sid: x\n  other:\n    auth_token: \(hex)\n",
            "[twilio]\nsid = x\n[other]\nauth_token = \(hex)\n",
            "twilio: yes\n  auth_token: \(hex)\n",
            "twilio = 1\nauth_token = \(hex)\n",
            "twilio:\n  auth_token:\n    next: \(hex)\n",
            // A list item's header: the item's other keys are its siblings, not its block.
            "- twilio:\n    region: us\n  auth_token: \(hex)\n",
        ]
        for text in apart {
            #expect(self.found(read(text), hex).allSatisfy { $0.encoding != "nested" }, "\(text.debugDescription)")
        }
        // The header lends its name to keys that say they hold a secret, not to a request's id.
        let id = factory.alnum(31) + "7"
        #expect(self.found(read("box:\n  request_id: \(id)\n"), id).isEmpty)
        #expect(self.found(read("box:\n  client_secret: \(id)\n"), id).first?.encoding == "nested")
        // A provider's header lends its name to its own rules only: no generic finding from
        // a value whose own key names no secret, under a header whose key does.
        let name = factory.alnum(24)
        #expect(read("aws_secrets:\n  bucket_name: \(name)\n").candidates.isEmpty)
        // The same with a rule that any dotted key would wake (no keyword): the header's
        // name makes it match, but it is not the header's rule, so nothing is reported.
        let rules = try RuleFile.parse(#"""
        [[rules]]
        id = "acme"
        confidence = "high"
        regex = '''acme\.token: ([A-Za-z0-9]{24})'''
        keywords = ["acme"]
        [[rules]]
        id = "dotted"
        confidence = "high"
        regex = '''[a-z]\.ident: ([A-Za-z0-9]{24})'''
        """#, file: "nested.toml", loadFile: nil)
        let custom = Scanner(ruleSet: rules)
        func ids(_ text: String) -> [String] {
            Array(text.utf8).withUnsafeBytes { custom.read($0, limits: Self.limits, scratch: MatchScratch()) }.candidates.map(\.ruleID)
        }
        #expect(ids("acme:\n  token: \(name)\n") == ["acme"])
        #expect(ids("acme:\n  ident: \(name)\n").isEmpty)
        #expect(ids("acme.ident: \(name)\n") == ["dotted"])
        // Headers in headers, each deeper than the last: each block is walked a bounded
        // number of lines, against the decoding budget, never for ever.
        let deep = (0..<3_000).map { String(repeating: " ", count: $0) + "aws:\n" }.joined() + "secret_access_key: \(secret)\n"
        #expect(read(deep).candidates.count <= 1)
    }

    /// `token` found once in each text, by a join.
    func expectJoinedOnce(_ token: String, in texts: [String]) {
        for text in texts {
            let hits = found(read(text), token)
            #expect(hits.count == 1 && hits.first?.encoding == "joined", "\(text.debugDescription)")
        }
    }

    @Test("a string literal interpolated into a string is read with it: JavaScript, Kotlin, Swift, Ruby; a variable interpolated is not joined")
    func interpolatedLiterals() {
        let token = Self.token(41)
        let (head, tail) = (String(token.prefix(14)), String(token.dropFirst(14)))
        expectJoinedOnce(token, in: ["const t = `\(head)${\"\(tail)\"}`;\n",
                     "val t = \"\(head)${ \"\(tail)\" }\"\n",
                     "let t = \"\(head)\\(\"\(tail)\")\"\n",
                     "t = \"\(head)#{'\(tail)'}\"\n",
                     "const t = `${\"\(head)\"}\(tail)`;\n",
                     "let t = \"\\(\"\(head)\")\(tail)\"\n"])
        #expect(found(read("val t = \"\(head)${tail}\"\n"), token).isEmpty)
    }

    @Test("strings joined by a format or over a line continued by hand are read: Python's format and %, a trailing backslash, PowerShell's backtick")
    func formattedAndContinuedLiterals() {
        let token = Self.token(43)
        let (head, tail) = (String(token.prefix(14)), String(token.dropFirst(14)))
        expectJoinedOnce(token, in: ["T = \"\(head){}\".format(\"\(tail)\")\n",
                     "T = '\(head)%s' % '\(tail)'\n",
                     "T = \"\(head)%s\" % (\"\(tail)\")\n",
                     "T = \"\(head)\" \\\n    \"\(tail)\"\n",
                     "T = \"\(head)\" + \\\n    \"\(tail)\"\n",
                     "$t = \"\(head)\" + `\r\n  \"\(tail)\"\r\n"])
        // Not a join: a format with a variable, a backslash that escapes something else.
        #expect(found(read("T = \"\(head){}\".format(tail)\n"), token).isEmpty)
        #expect(found(read("T = \"\(head)\" \\n\n    \"\(tail)\"\n"), token).isEmpty)
    }

    @Test("strings joined in Lua, SQL, Visual Basic and C#, and Unicode escapes in JavaScript's and Java's other spellings, are read")
    func otherLanguagesJoinsAndEscapes() {
        let token = Self.token(31)
        let (head, tail) = (String(token.prefix(10)), String(token.dropFirst(10)))
        let joins = ["local v = \"\(head)\" .. \"\(tail)\"\n",
                     "SELECT '\(head)' || '\(tail)' AS v;\n",
                     "Dim v = \"\(head)\" & \"\(tail)\"\n",
                     "Dim v = \"\(head)\" & _\n    \"\(tail)\"\n",
                     "var v = @\"\(head)\" + @\"\(tail)\";\n",
                     "var v = $\"\(head)\" + $\"\(tail)\";\n"]
        for text in joins {
            #expect(found(read(text), token).first?.encoding == "joined", "\(text)")
        }
        // Not joins: a shell `&&` or pipe between strings, one `|`.
        #expect(found(read("test \"\(head)\" && \"\(tail)\"\n"), token).isEmpty)
        #expect(found(read("echo \"\(head)\" | \"\(tail)\"\n"), token).isEmpty)
        let escapes = ["const t = \"\\u{67}\(token.dropFirst())\";\n",
                       "const t = \"\\u{0067}\\u{68}\(token.dropFirst(2))\";\n",
                       "let t = \"\\u{000067}\(token.dropFirst())\"\n",
                       "String t = \"\\uu0067\(token.dropFirst())\";\n",
                       "String t = \"\\uuu0067\\u0068\(token.dropFirst(2))\";\n"]
        for text in escapes {
            #expect(found(read(text), token).first?.encoding == "unicode-escape", "\(text)")
        }
    }

    @Test("a gzip's header text (its original name, comment and extra field) is read; a plain header is no text")
    func gzipHeaderText() throws {
        let token = Self.token(32)
        let body = try TestArchive.make(.gzip, [("x", Data("hello world\n".utf8))])
        // The same deflate body after a header with FCOMMENT (and one with FEXTRA and FNAME).
        let rest = body.dropFirst(10)
        let comment = Data([0x1F, 0x8B, 0x08, 0x10, 0, 0, 0, 0, 0, 0xFF]) + Data("note \(token)".utf8) + Data([0]) + rest
        #expect(!found(read(comment), token).isEmpty)
        let extra = Data("id=\(token)".utf8)
        let both = Data([0x1F, 0x8B, 0x08, 0x0C, 0, 0, 0, 0, 0, 0xFF, UInt8(extra.count), 0]) + extra
            + Data("plain.txt".utf8) + Data([0]) + rest
        #expect(!found(read(both), token).isEmpty)
        Array(comment).withUnsafeBytes { b in
            #expect(Archives.gzipHeaderText(b) == 10..<(10 + 5 + token.utf8.count + 1))
        }
        // Python's gzip writes no name or comment: no header text.
        Array(body).withUnsafeBytes { b in #expect(Archives.gzipHeaderText(b) == nil) }
        // Cut short inside the comment: no range past the end.
        Array(comment.prefix(20)).withUnsafeBytes { b in #expect(Archives.gzipHeaderText(b) == nil) }
    }

    @Test("a token split into variables is read where a line joins them, in shell, JavaScript and PHP")
    func variables() {
        let token = Self.token(31)
        let (a, b) = (String(token.prefix(20)), String(token.dropFirst(20)))
        var factory = SecretFactory(seed: 31)
        let secret = Self.awsSecret(&factory)
        // (text, value, line of the join).
        let found: [(String, String, Int)] = [
            ("A=\(a)\nB=\(b)\nexport TOKEN=\"$A$B\"\n", token, 3),
            ("A=\(a)\nB=\(b)\nexport TOKEN=${A}${B}\n", token, 3),
            ("local A='\(a)'\nreadonly B=\"\(b)\"\n\nrun --token \"$A\"\"$B\"\n", token, 4),
            ("const a = \"\(a)\";\nconst b = '\(b)';\nclient.auth(a + b);\n", token, 3),
            ("<?php\n$a = \"\(a)\";\n$b = \"\(b)\";\n$t = $a . $b;\n", token, 4),
            ("P1=\(a)\nP2=\(b.prefix(8))\nP3=\(b.dropFirst(8))\necho \"$P1$P2$P3\" | gh auth login --with-token\n", token, 4),
            // No rule keyword in any piece: the key the chain is assigned to names the provider.
            ("X=\(secret.prefix(20))\nY=\(secret.dropFirst(20))\nAWS_SECRET_ACCESS_KEY=\"$X$Y\"\n", secret, 3),
            ("<?php\n$x = '\(secret.prefix(20))';\n$y = '\(secret.dropFirst(20))';\n$c = ['aws_secret_access_key' => $x . $y];\n", secret, 4),
            // Interpolations side by side (Python's f-strings, C#'s $"…"), values appended to.
            ("a = \"\(a)\"\nb = \"\(b)\"\nt = f\"{a}{b}\"\n", token, 3),
            ("var a = \"\(a)\";\nvar b = \"\(b)\";\nvar t = $\"{a}{b}\";\n", token, 3),
            ("TOKEN=\(a)\nTOKEN+=\(b)\nexport TOKEN\n", token, 2),
            ("t = \"\(a)\"\nt += \"\(b.prefix(8))\"\nt += '\(b.dropFirst(8))'\n", token, 3),
            // One variable beside a literal: in a string, in make, an f-string, a template
            // literal.
            ("A=\(a)\nexport X=\"${A}\(b)\"\n", token, 2),
            ("A := \(a)\nX := $(A)\(b)\n", token, 2),
            ("a = \"\(a)\"\nx = f\"{a}\(b)\"\n", token, 2),
            ("const a = \"\(a)\";\nconst x = `${a}\(b)`;\n", token, 2),
        ]
        expectFoundOnce(found, encoding: "variables")
        // A keyword's token completed by a variable: a reference inside the string (shell,
        // make, an f-string, a template literal, Swift, Ruby, Terraform's `local.`), found
        // with the value in place.
        let body = String(token.dropFirst(4)), key = factory.awsAccessKey()
        expectFoundOnce([
            ("B=\(body)\nT=\"ghp_$B\"\n", token, 2),
            ("B=\(body)\nexport T=ghp_${B}\n", token, 2),
            ("B := \(body)\nT := ghp_$(B)\n", token, 2),
            ("b = \"\(body)\"\nt = f\"ghp_{b}\"\n", token, 2),
            ("const b = '\(body)';\nconst t = `ghp_${b}`;\n", token, 2),
            ("let b = \"\(body)\"\nlet t = \"ghp_\\(b)\"\n", token, 2),
            ("b = '\(body)'\nt = \"ghp_#{b}\"\n", token, 2),
            ("locals {\n  sfx = \"\(key.dropFirst(4))\"\n}\nkey = \"AKIA${local.sfx}\"\n", key, 4),
        ], encoding: "variables")
        // A value a keyword opens, completed after a reference to it: Swift's and Ruby's
        // interpolation, a batch file's `%A%`, Terraform's `${local.a}`.
        expectFoundOnce([
            ("let a = \"\(a)\"\nlet t = \"\\(a)\(b)\"\n", token, 2),
            ("a = '\(a)'\nt = \"#{a}\(b)\"\n", token, 2),
            ("@echo off\nset A=\(a)\nset T=%A%\(b)\n", token, 3),
            ("locals {\n  a = \"\(a)\"\n  t = \"${local.a}\(b)\"\n}\n", token, 3),
        ], encoding: "variables")
        // Or added to the string after it: quoted, joined at the next depth.
        expectFoundOnce([("SFX = \"\(key.dropFirst(4))\"\nKEY = \"AKIA\" + SFX\n", key, 2),
                         ("<?php\n$b = '\(body)';\n$t = 'ghp_' . $b;\n", token, 3)], encoding: "variables+joined")
        // Several assignments on a line; a Dockerfile's `ENV NAME value`.
        expectFoundOnce([
            ("const a = \"\(a)\", b = \"\(b)\";\nconst t = a + b;\n", token, 2),
            ("A=\"\(a)\"; B=\"\(b)\"\nexport T=\"$A$B\"\n", token, 2),
            ("FROM alpine\nENV A \(a)\nENV B \(b)\nENV T $A$B\n", token, 4),
        ], encoding: "variables")
        // C's macros side by side, pasted by the preprocessor, and a macro beside a string.
        expectFoundOnce([
            ("#define KID_A \"\(key.prefix(8))\"\n#define KID_B \"\(key.dropFirst(8))\"\nconst char *kid = KID_A KID_B;\n", key, 3),
            ("#define A \"\(token.prefix(12))\"\n# define B \"\(token.dropFirst(12).prefix(12))\"\n#define C \"\(token.dropFirst(24))\"\nconst char *t = A B C;\n", token, 4),
        ], encoding: "variables")
        expectFoundOnce([("#define P \"\(a)\"\nconst char *t = P \"\(b)\";\n", token, 2)], encoding: "variables+joined")
        // Two variables and a string after them.
        expectFoundOnce([("a = \"\(a)\"\nb = \"\(b.prefix(8))\"\nt = a + b + \"\(b.dropFirst(8))\"\n", token, 3)], encoding: "variables+joined")
        // Variables listed as a format's or a join's arguments.
        expectFoundOnce([
            ("a = \"\(a)\"\nb = \"\(b)\"\nt = \"%s%s\" % (a, b)\n", token, 3),
            ("a = \"\(a)\"\nb = \"\(b)\"\nt = \"{}{}\".format(a, b)\n", token, 3),
            ("a = \"\(a)\"\nb = \"\(b)\"\nt = \"\".join([a, b])\n", token, 3),
            ("String a = \"\(a)\";\nString b = \"\(b)\";\nString t = String.join(\"\", a, b);\n", token, 3),
        ], encoding: "variables")
        // A call or a member added is no variable's value; a name with no literal value is passed.
        let passed = ["B=\(body)\nT=\"ghp_\" + f(B)\n", "T = \"ghp_\" + cfg.B\nB = 1\n", "T=\"ghp_$UNSET\"\n"]
        for text in passed { #expect(!read(text).candidates.contains { $0.encoding?.hasPrefix("variables") == true }, "\(text.debugDescription)") }
        // A name added to a string: put back as a quoted string, joined at the next depth.
        expectFoundOnce([("a = \"\(a)\"\nx = a + \"\(b)\"\n", token, 2), ("$a = '\(a)';\n$x = $a . '\(b)';\n", token, 2),
                         // A shell word going on after the reference's string closes.
                         ("A=\(a)\nX=\"$A\"\(b)\n", token, 2), ("A=\(a)\nX=\"${A}\"'\(b)'\n", token, 2)],
                        encoding: "variables+joined")
        // Not joined: a member's access, a variable with no literal value, paths joined, a
        // variable joined to one that comes first.
        let apart = [
            "A=\(a)\nexport T=\"$A$(cat rest)\"\n",
            "a = \"\(a)\"\nx = a.b\nb = \"\(b)\"\n",
            "A=\(a)\nexport T=\"$A$UNSET\"\n",
            "A=\(a)\nB=\(b)\nexport T=\"$B$A\"\n",
        ]
        for text in apart {
            #expect(read(text).candidates.allSatisfy { $0.encoding != "variables" }, "\(text.debugDescription)")
        }
        // One long line of joins and of headers in comments: each looked at once, in budget.
        let joins = "A=\(a)\nB=\(b)\n" + String(repeating: "A$B ", count: 250_000) + "\n"
        #expect(self.found(read(joins), token).count <= 1)
        let comments = String(repeating: "aws: # ", count: 150_000) + "\n"
        #expect(read(comments).candidates.isEmpty)
    }

    @Test("texts made of the nested and variable readers' own pieces, at random, are read without a fault")
    func readerPiecesAtRandom() {
        let token = Self.token(40)
        let pieces = ["aws", "twilio", "AWS_", "awsKey", ":", "=", ":=", "=>", "{", "[", "]", "[[", "$", "${", "$(", "}", ")",
                      "\"", "'", "`", "\n", "\r\n", " ", "  ", "\t", "- ", "#", "//", ";", ".", " + ", " . ", "A", "B", "x_1",
                      "export ", "const ", token, String(token.prefix(9)), String(token.dropFirst(9)), "\u{200B}", "\u{0}"]
        var rng = SplitMix(seed: 77)
        for _ in 0..<3_000 {
            let count = Int(rng.next() % 60)
            let text = (0..<count).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            // Any outcome will do: the bytes are read to the end, in bounds (a debug build traps).
            _ = read(text).candidates.count
        }
    }

    @Test("a token cut into literals a structure holds is joined in order, whatever joins them; unrelated lists join to nothing")
    func listedPieces() {
        let token = Self.token(31)
        let (a, b, c) = (String(token.prefix(12)), String(token.dropFirst(12).prefix(13)), String(token.dropFirst(25)))
        var factory = SecretFactory(seed: 32)
        let key = factory.awsAccessKey()
        let cases: [(String, String, Int)] = [
            // An object's members joined by code no reader knows; a JSON object over lines.
            ("x\nconst c = { a: \"\(a)\", b: \"\(b)\", c: \"\(c)\" };\nconst t = c.a + c.b + c.c;\n", token, 2),
            ("x\n{\n  \"a\": \"\(a)\",\n  \"b\": \"\(b)\",\n  \"c\": \"\(c)\"\n}\n", token, 3),
            // Python's formatting, a dict, Ruby's array joined.
            ("x\nt = \"%s%s%s\" % (\"\(a)\", \"\(b)\", \"\(c)\")\n", token, 2),
            ("x\nparts = {'a': '\(a)', 'b': '\(b)\(c)'}\n", token, 2),
            ("x\nT = ['\(a)', '\(b)', '\(c)'].join\n", token, 2),
            // Bare values: an INI section's keys, a shell array, printf's arguments, a CSV row.
            ("x\n[auth]\ntoken_a = \(a)\ntoken_b = \(b)\(c)\n", token, 3),
            ("x\nP=(\(a) \(b) \(c))\n", token, 2),
            ("x\nT=$(printf \"%s%s%s\" \(a) \(b) \(c))\n", token, 2),
            ("x\nname,\(a),\(b),\(c)\n", token, 2),
            // A value going on on deeper lines (configparser), a heredoc's lines joined by code.
            ("x\n[auth]\ntoken = \(a)\n  \(b)\n  \(c)\n", token, 3),
            ("x\nT = <<~EOS.delete(\"\\n\")\n  \(a)\n  \(b)\n  \(c)\nEOS\n", token, 3),
            // An AWS key id cut after its prefix, the pieces in a YAML list.
            ("x\nids: [\"\(key.prefix(4))\", \"\(key.dropFirst(4).prefix(8))\", \"\(key.dropFirst(12))\"]\n", key, 2),
        ]
        for (text, secret, line) in cases {
            let hits = found(read(text), secret)
            #expect(hits.count == 1, "\(text.debugDescription)")
            #expect(hits.first?.encoding == "joined", "\(text.debugDescription)")
            #expect(hits.first?.line == line, "the first piece's line: \(text.debugDescription)")
        }
        // Cut inside its prefix (no keyword in any piece), the pieces in variables that code
        // joins: Python, JavaScript's template, Go, PHP, C#'s interpolation, Ruby; AWS's too.
        let (h, rest) = (String(token.prefix(2)), String(token.dropFirst(2)))
        let (h3, rest3) = (String(key.prefix(3)), String(key.dropFirst(3)))
        let heads: [(String, String)] = [
            ("a = \"\(h)\"\nb = \"\(rest)\"\nvalue = a + b\n", token),
            ("const a = '\(h)';\nconst b = '\(rest)';\nconst v = `${a}${b}`;\n", token),
            ("package main\nconst a = \"\(h)\"\nconst b = \"\(rest)\"\nvar v = a + b\n", token),
            ("<?php\n$a = \"\(h)\";\n$b = \"\(rest)\";\n$v = $a . $b;\n", token),
            ("var a = \"\(h)\";\nvar b = \"\(rest)\";\nvar v = $\"{a}{b}\";\n", token),
            ("a = '\(h3)'\nb = '\(rest3)'\nv = \"#{a}#{b}\"\n", key),
        ]
        for (text, secret) in heads {
            #expect(found(read(text), secret).count == 1, "\(text.debugDescription)")
        }
        // Not pieces: a list of prefixes, prose in code spans and parentheses, values far
        // apart in code, words of one kind after a prefix; a head's literals that make no token.
        let none = [
            "prefixes = [\"ghp_\", \"gho_\", \"ghu_\", \"ghs_\", \"ghr_\"]\n",
            "// On ARM, where `BSAES` is additionally defined, this could\n// use `vpaes_ctr32_encrypt_blocks_with_bsaes`.\n",
            "(BSAES conversions are available on all BSAES platforms)\n",
            "Keywords: []string{\n\t\"pscale_pw_\",\n},\n}\n\n// validate\ntps := utils.GenerateSampleSecrets(\"planetScale\", \"pscale_pw_\" + x)\n",
            "AKIA keys are rotated every ninety days by the platform team\n",
            "subprocess.run([\"git\", \"clone\", \"--depth\", \"1\", url])\n",
            "AKIA\nkeys\nare\nrotated\n",
            "langs = {\"sk\": \"Slovak\", \"sh\": \"Shell\", \"py\": \"Python\"}\n",
        ]
        for text in none {
            let scan = read(text)
            #expect(scan.candidates.filter { $0.encoding == "joined" }.isEmpty, "\(text.debugDescription): \(scan.candidates.map(\.ruleID))")
        }
    }

    @Test("joins of listed pieces, filled strings and interpolations stay in budget on dense code: a join is not joined again, and reads only its key before it")
    func listedPiecesInBudget() {
        let token = Self.token(33)
        // Each first reading of these joined the line's earlier pieces again at every level: a
        // 50 KB line took 13 s and was refused as a decode-limit, and ordinary JSON of `"git"`
        // command lists ran the budget out. Now read in full, and a token after them is found.
        let texts = [
            String(repeating: "ghp_1 aB1 cD2 eF3 gH4 ", count: 20_000) + "\n",
            String(repeating: String(repeating: "{\"cmd\":[\"git\",\"clone\",\"repo\",\"dir\"]},", count: 10) + "\n", count: 1_000),
            String(repeating: "r=c.execFileSync(\"git\",[\"rev-parse\",\"--short\",\"HEAD\"]);", count: 2_000) + "\n",
            String(repeating: "\"gh\",\"pX\",\"aB\",\"cD\",\"eF\",", count: 20_000) + "\n",
            // Strings filled in and literals interpolated, on one long line: the first version
            // read each with the whole line before it (a 300 KB line of joins took 10 s).
            String(repeating: "\"_\".join([\"ghp\", \"abcdefgh\", \"ijklmnop\"]) ", count: 8_000) + "\n",
            String(repeating: "'%s%s' % ('ab', 'cd') \"{}{}\".format(\"a\", \"b\") ", count: 6_000) + "\n",
            String(repeating: "x{'abcdefgh'}${\"ab\"} ", count: 15_000) + "\n",
            // Quoted base64 pieces of one width whose first characters decode to text and whose
            // join does not: each piece once read alone; the first version joined every piece
            // with all after it again (a 1.3 MB array took 65 s).
            "a = [\n" + (0..<4_000).map { i in
                "  \"" + Data(Array("abcdefghijklmno".utf8) + (0..<30).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ i &* 101) }).base64EncodedString() + "\",\n"
            }.joined() + "]\n",
            (0..<4_000).map { i in
                "# " + Data(Array("abcdefghijklmno".utf8) + (0..<30).map { UInt8(truncatingIfNeeded: $0 &* 41 &+ i &* 103) }).base64EncodedString() + "\n"
            }.joined(),
        ]
        for text in texts {
            let scan = read(text + "v = [\"\(token.prefix(12))\", \"\(token.dropFirst(12))\"]\n")
            #expect(scan.unscannable.isEmpty, "\(text.prefix(60)): \(scan.unscannable)")
            #expect(found(scan, token).count == 1, "\(text.prefix(60))")
        }
    }

    @Test("decodings nest (base64 of JSON with escapes), stop at a fixed depth, and never repeat a plain finding")
    func nestingAndDuplicates() {
        let token = Self.token(9)
        let json = "{\"token\": \"\(token.replacingOccurrences(of: "_", with: "\\u005f"))\"}"
        let nested = Data(json.utf8).base64EncodedString()
        #expect(found(read("cfg: \(nested)\n"), token).first?.encoding == "base64+unicode-escape")
        var deep = token
        for _ in 0..<3 { deep = Data(("x=" + deep).utf8).base64EncodedString() }
        #expect(found(read(deep + "\n"), token).first?.encoding == "base64+base64+base64")
        // A fourth level, text mixed with encoded text: stops there, silently (code holding
        // encoded strings that deep is not built to hide anything).
        #expect(read(Data(("x=" + deep).utf8).base64EncodedString() + "\n").unscannable.isEmpty)
        // Base64 four or six times over: nothing but encoded text at the last depth, so not
        // read, and said so (plain layers, as a script nesting `base64` makes them).
        for times in [4, 6] {
            var layers = "t=" + token
            for _ in 0..<times { layers = Data(layers.utf8).base64EncodedString() }
            let past = read(layers + "\n")
            #expect(found(past, token).isEmpty)
            #expect(past.unscannable.contains { $0.problem == .decodeLimit })
        }
        // A line of text at the last depth is no layer, even one that holds a token whose
        // characters happen to decode (found plainly there, as before).
        var line = "t5027 = " + token
        for _ in 0..<3 { line = Data(line.utf8).base64EncodedString() }
        #expect(read(line + "\n").unscannable.isEmpty)
        // One character repeated (an image's flat rows among its printable bytes) decodes by
        // chance into more of itself, `33…` as hex being `3…`: no layer, however deep.
        for run in [String(repeating: "3", count: 512), "u]" + String(repeating: "3", count: 1024) + "#\"\"bC"] {
            #expect(read(Data([0, 1, 2]) + Data(run.utf8) + Data([0, 0xFF])).unscannable.isEmpty)
            #expect(read(run + "\n").unscannable.isEmpty)
        }
        // Text that decodes no further at the last depth is no problem.
        var plain = "nothing secret here, only words"
        for _ in 0..<3 { plain = Data(plain.utf8).base64EncodedString() }
        #expect(read(plain + "\n").unscannable.isEmpty)
        let both = "a = \(token)\nb = \(Data(token.utf8).base64EncodedString())\n"
        let hits = found(read(both), token)
        #expect(hits.count == 1 && hits.first?.encoding == nil && hits.first?.line == 1)
        // The inline marker on the encoded line covers what it hides.
        #expect(found(read("b = \(Data(token.utf8).base64EncodedString()) # reviewgate:allow\n"), token).isEmpty)
    }

    @Test("a base64 value under a key is read again on its line, decoded: a rule that needs the key sees it")
    func keyedBase64Values() {
        var factory = SecretFactory(seed: 77)
        let secret = factory.random(40, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
        let encoded = Data(secret.utf8).base64EncodedString()
        // A Kubernetes Secret's data, a .env line, a JSON member: the AWS rule wants its name.
        for text in ["kind: Secret\ndata:\n  AWS_SECRET_ACCESS_KEY: \(encoded)\n",
                     "AWS_SECRET_ACCESS_KEY=\"\(encoded)\"\n",
                     "{\"aws_secret_access_key\": \"\(encoded)\"}\n"] {
            let hits = found(read(text), secret)
            #expect(hits.contains { $0.ruleID == "aws-secret-access-key" && $0.encoding == "base64" }, "\(text)")
        }
        // Not a value a key names: the decoded text alone, as before (no AWS finding).
        #expect(!found(read("note \(encoded) here\n"), secret).contains { $0.ruleID == "aws-secret-access-key" })
        #expect(Decoders.keyedValue(UnsafeRawBufferPointer(start: nil, count: 0), at: 0) == nil)
        // A line of thousands of keyed values that decode to text (test vectors on one line):
        // each read again with its key alone, not with its neighbours (decoded again inside it,
        // and theirs inside those, which spent the budget: a `decode-limit`).
        let hex = Data("Beauty is truth, truth beauty".utf8).map { String(format: "%02x", $0) }.joined()
        let vectors = "[" + Array(repeating: "{\"aad\":\"\(hex)\",\"pt\":\"\(hex)\",\"info\":\"\(hex)\"}", count: 2000).joined(separator: ",") + "]\n"
        #expect(read(vectors).unscannable.isEmpty)
    }

    @Test("an allow marker counts only where a reviewer sees it: not inside a decoded value, an archive member or UTF-16 text")
    func hiddenAllowMarkers() throws {
        let token = Self.token(12)
        let marked = "TOKEN=\(token) # reviewgate:allow\n"
        // Plainly on the secret's line: a note (suppressed), as before.
        #expect(found(read(marked), token).first?.suppressed != nil)
        // The marker inside the base64 text, the archive member, the UTF-16 text: reported.
        let encoded = found(read("cfg: \(Data(marked.utf8).base64EncodedString())\n"), token)
        #expect(encoded.count == 1 && encoded.first?.suppressed == nil && encoded.first?.encoding == "base64")
        for kind in [TestArchive.Kind.zipDeflate, .tarGz, .gzip] {
            let member = found(read(try TestArchive.make(kind, [("app.env", Data(marked.utf8))])), token)
            #expect(member.count == 1 && member.first?.suppressed == nil, "\(kind)")
        }
        let wide = found(read(try #require(marked.data(using: .utf16LittleEndian))), token)
        #expect(wide.count == 1 && wide.first?.suppressed == nil && wide.first?.encoding == "utf-16le")
        let binary = found(read(Data([0, 1, 2]) + Data(marked.utf8)), token)
        #expect(binary.count == 1 && binary.first?.suppressed == nil)
    }

    @Test("ordinary text triggers nothing: object ids, paths, identifiers, printf formats, C macros")
    func ordinaryText() {
        let text = """
        commit 3f786850e387550fdab836ed7e6dc881de23001b
        import org/springframework/boot/autoconfigure/web/servlet/Thing
        printf("%2d %5s\\x1b", n);
        #define X(a) \\
            do { a; } while (0)
        String s = "Hello " + "world";
        int[] table = {1, 105, 110, 101, 2, 3, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 4000};
        """
        #expect(read(text).candidates.isEmpty)
    }

    @Test("a 10 MB base64 run and a 10 MB line of escapes are decoded once, in budget")
    func hugeRuns() {
        let token = Self.token(10)
        let blob = Data(repeating: 0x41, count: 3_000_000) + Data(" TOKEN=\(token) ".utf8) + Data(repeating: 0x42, count: 3_000_000)
        let run = blob.base64EncodedString()
        #expect(run.utf8.count > 8_000_000)
        #expect(found(read("x: " + run + "\n"), token).first?.encoding == "base64")
        let escapes = String(repeating: "\\u0041", count: 1_700_000)
        #expect(read(escapes + "\n").candidates.isEmpty)
        // 2 MB of narrow lines alike that decode to nothing, then a wrapped token: each line
        // opens a wrapped run, and the block is joined once, not again from every line.
        let wrapped = String(repeating: "Abcdefg1\n", count: 230_000) + "\n" + Self.wrapped(Data("GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString(), 16, "\n")
        #expect(found(read(wrapped), token).first?.encoding == "base64")
        // Lines of two widths in turn (each unlike the next), and a name used 100,000 times at
        // the end of a dotted name: each looked at a bounded stretch, not the text after it.
        let alternating = String(repeating: "Abcdefghijklmnopqrs-\nAbcdefghijklmnopqrstuv+\n", count: 60_000) + "\n"
            + Self.wrapped(Data("GITHUB_TOKEN=\(token)\n".utf8).base64EncodedString(), 16, "\n")
        #expect(found(read(alternating), token).first?.encoding == "base64")
        let dotted = "a = \"ghp_abcdefghijk\"\n" + String(repeating: "a.", count: 100_000) + "\nGITHUB_TOKEN=\(token)\n"
        #expect(found(read(dotted), token).count == 1)
    }

    @Test("a text where every line wakes every decoder still has what follows decoded (no budget runs out on it)",
          arguments: ["base64", "unicode-escape", "joined"])
    func decoderFloodBeforeAToken(encoding: String) {
        let token = Self.token(11)
        // Each line: a unicode escape, a concatenation, a base64 run and a continuation; the
        // whole a YAML folded block. Five decoders see every line.
        let line = "  a\\u0041'a' + 'b' " + Data("This is an ordinary sentence of text here ok".utf8).base64EncodedString() + "\\\n"
        let filler = "k: >\n" + String(repeating: line, count: 3_500) + "\n"
        let last = switch encoding {
        case "base64": "x: " + Data("GITHUB_TOKEN=\(token)".utf8).base64EncodedString() + "\n"
        case "unicode-escape":
            // One character of the token written as \u00XX inside a JSON string.
            "{\"x\": \"\(token.prefix(4))\\u00\(String(Array(token.utf8)[4], radix: 16))\(token.dropFirst(5))\"}\n"
        default: "x = '\(token.prefix(12))' + '\(token.dropFirst(12))'\n"
        }
        let scan = read(filler + last)
        #expect(found(scan, token).first?.encoding == encoding)
        #expect(scan.unscannable.isEmpty)
    }

    /// Strings side by side on a line are joined only where a token runs across the seam long
    /// enough to be a secret: a web server's log line (`"-" "Mozilla/5.0 …"`) is not read
    /// again, a token cut between two strings is, however short its first piece.
    @Test func sideBySideStringsJoinOnlyAcrossATokenSeam() {
        func joins(_ text: String) -> Int {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { b in
                var triggers: [(Trigger, Int)] = []
                Trigger.forEachOccurrence(in: b) { triggers.append(($0, $1)) }
                var budget = 1 << 20, joined = 0
                Decoders.decode(b, triggers: triggers, runAtStart: false, budget: &budget) { if $0.encoding == "joined" { joined += 1 } }
                return joined
            }
        }
        let log = "5.202.214.160 - - [26/Jan/2019:19:45:25 +0330] \"GET / HTTP/1.1\" 200 30975 \"-\" \"Mozilla/5.0 (Windows NT 6.2; WOW64; rv:21.0)\" \"-\"\n"
        #expect(joins(String(repeating: log, count: 20)) == 0)
        let token = Self.token(3)
        #expect(joins("k = \"\(token.prefix(2))\" \"\(token.dropFirst(2))\"\n") >= 1)
        #expect(joins("k = \"\(token.prefix(30))\" \"\(token.dropFirst(30))\"\n") == 1)
    }

    @Test("decoding stops at its budget and says so, so the reader can refuse what it did not decode")
    func decodeBudget() {
        let text = Array(String(repeating: "k = a%41%42%43%44%45%46%47%48%49 ok\n", count: 50).utf8)
        text.withUnsafeBytes { bytes in
            var triggers: [(Trigger, Int)] = []
            Trigger.forEachOccurrence(in: bytes) { triggers.append(($0, $1)) }
            #expect(triggers.count >= 50)
            var roomy = 1 << 20, tight = 40
            var decodedRoomy = 0, decodedTight = 0
            #expect(Decoders.decode(bytes, triggers: triggers, runAtStart: false, budget: &roomy) { _ in decodedRoomy += 1 })
            #expect(!Decoders.decode(bytes, triggers: triggers, runAtStart: false, budget: &tight) { _ in decodedTight += 1 })
            #expect(decodedRoomy == 50 && decodedTight < 50)
        }
    }

    /// The byte classes as comparisons (the decoders' token walks) and as tables (`forEachRun`)
    /// agree on every byte.
    @Test func byteClassPredicatesMatchTheTables() {
        for c in 0...255 {
            let b = UInt8(c)
            #expect(Trigger.isRunByte(b) == Trigger.runClass[c], "run \(c)")
            #expect(Trigger.isWordByte(b) == Trigger.wordClass[c], "word \(c)")
            #expect(Trigger.isHexByte(b) == Trigger.hexClass[c], "hex \(c)")
        }
    }

    /// The run search's byte-class test (C, sixteen bytes at a time) at its edges: bytes on both
    /// sides of every bound of the range, `.` and `=`, bytes past 0x7F, at every alignment and
    /// length, against the pattern tried at every offset.
    @Test("runs are found exactly at the edges of the byte class", arguments: 0..<8)
    func runEdges(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 5150)
        let edges: [UInt8] = [0x2A, 0x2B, 0x2E, 0x2F, 0x3D, 0x41, 0x5F, 0x2D, 0x7A, 0x7B, 0x7F, 0x80, 0xC3, 0xFF, 0x20, 0x0A, 0x0D, 0x09]
        let run = Array("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo".utf8) // base64 of text: a real trigger
        var cases: [[UInt8]] = []
        // Every class byte at a bound of the range, at every place of runs of 24 to 48 bytes
        // (whole words taken sixteen bytes at a time, and the last word alone).
        for length in 24...48 {
            for place in 0..<length {
                for edge: UInt8 in [0x2B, 0x2F, 0x7A, 0x30, 0x5A] {
                    var bytes = [UInt8](repeating: 0x20, count: 1) + (0..<length).map { run[$0 % run.count] }
                    bytes[1 + place] = edge
                    cases.append(bytes)
                }
            }
        }
        for _ in 0..<60 {
            var bytes: [UInt8] = []
            let length = Int(rng.next() % 700)
            while bytes.count < length {
                switch rng.next() % 4 {
                case 0: bytes.append(edges[Int(rng.next() % UInt64(edges.count))])
                case 1: bytes += run.prefix(Int(rng.next() % UInt64(run.count + 1)))
                default: bytes.append(run[Int(rng.next() % UInt64(run.count))])
                }
            }
            cases.append(bytes)
        }
        // Wrapped lines of every width around the line runs' bounds (LF, CRLF, indented, a
        // lone CR, a short or padded last line, a blank line between), at the start and after
        // a byte.
        for width in 6...25 {
            for (separator, last) in [("\n", "QUJD"), ("\r\n", "QU=="), ("\n  ", "QUJDRA"), ("\r", "QUJD"), ("\n\n", "QUJD"), ("\n", "QU"), ("\n", "QUJD.")] {
                let line = String(decoding: run.prefix(width), as: UTF8.self)
                let block = [line, line, line, last].joined(separator: separator)
                cases += [Array(block.utf8), Array(("x " + block + "\n").utf8)]
            }
        }
        // A hex stretch inside a run that starts at the very first byte (no run trigger
        // there: nothing before it), after a letter that is not a hex digit.
        let hex = Array("746f6b656e2076616c756520666f72207468652074657374".utf8)
        cases += [Array("xyzW".utf8) + hex, Array("GHIJKLMNOPQRSTUVWXYZ".utf8) + hex + [0x20]]
        for bytes in cases {
            let (sampled, every) = Self.runsBothWays(bytes)
            #expect(sampled == every, "\(bytes)")
        }
        // The kept verdicts of one thread, over all the cases in turn (each run seen twice):
        // what the first look says, wherever the bytes end.
        let verdicts = RunVerdicts()
        var yes = 0, no = 0
        for bytes in cases + cases {
            bytes.withUnsafeBytes { b in
                var kept: [Int] = []
                var fresh: [Int] = []
                Trigger.forEachRun(in: b, verdicts: verdicts) { kept.append($1 << 8 | $0.rawValue) }
                Trigger.forEachRun(in: b) { fresh.append($1 << 8 | $0.rawValue) }
                #expect(kept == fresh)
                for i in 0..<b.count {
                    let verdict = Decoders.mayDecode(b, from: i)
                    #expect(verdicts.mayDecode(b, from: i) == verdict)
                    if verdict { yes += 1 } else { no += 1 }
                }
            }
        }
        #expect(yes > 0 && no > 0, "\(yes) yes, \(no) no")
    }

    /// The C run search, with AVX2 and a byte at a time, against maximal runs counted here
    /// byte by byte: texts of every byte value, runs across 64-byte blocks and up to the very
    /// end, several lengths, and fewer places than runs (each call resumed at the last end).
    @Test("the C run search finds every long run whole, with and without AVX2", arguments: 0..<6)
    func longRunsInC(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 7717)
        let alphabet = (0...255).map(UInt8.init).filter(Trigger.isRunByte)
        #expect(alphabet.count == 66)
        var texts: [[UInt8]] = [[], [0x41], Array(repeating: 0x41, count: 64), Array(repeating: 0x2F, count: 128),
                                [0x20] + Array(repeating: 0x5F, count: 63), Array(repeating: 0x2D, count: 200) + [0x2E]]
        for _ in 0..<20 {
            var bytes: [UInt8] = []
            let length = Int(rng.next() % 3000)
            while bytes.count < length {
                switch rng.next() % 3 {
                case 0: bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                case 1: bytes += (0..<Int(rng.next() % 140)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                default: bytes += Array(repeating: alphabet[Int(rng.next() % UInt64(alphabet.count))], count: Int(rng.next() % 40))
                }
            }
            texts.append(bytes)
        }
        // Short lines of the alphabet (wrapped base64, CRLF too), for the line runs.
        for _ in 0..<6 {
            var bytes: [UInt8] = []
            while bytes.count < 2000 {
                bytes += (0..<Int(rng.next() % 30)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                bytes += rng.next() % 4 == 0 ? [0x0D, 0x0A] : rng.next() % 3 == 0 ? [0x20] : [0x0A]
            }
            texts.append(bytes)
        }
        for bytes in texts {
            for (minimum, lineMinimum) in [(1, 0), (7, 0), (7, 4), (24, 0), (24, 8), (32, 31), (63, 0), (63, 1)] {
                var expected: [Int] = []
                var i = 0
                while i < bytes.count {
                    guard Trigger.isRunByte(bytes[i]) else { i += 1; continue }
                    var e = i
                    while e < bytes.count, Trigger.isRunByte(bytes[e]) { e += 1 }
                    if e - i >= minimum { expected += [i, e] }
                    // A shorter run ending a line, marked.
                    if lineMinimum > 0, e - i >= lineMinimum, e - i < minimum, e < bytes.count, bytes[e] == 0x0A || bytes[e] == 0x0D {
                        expected += [i | Int(REVIEWGATE_LINE_RUN), e]
                    }
                    i = e
                }
                for capacity in [1, 3, 64] {
                    for portable in [false, true] {
                        var found: [Int] = []
                        bytes.withUnsafeBufferPointer { b in
                            var runs = [Int](repeating: -1, count: 2 * capacity)
                            var from = 0
                            while from <= b.count {
                                let count = runs.withUnsafeMutableBufferPointer { out in
                                    (portable ? reviewgate_long_runs_portable : reviewgate_long_runs)(
                                        b.baseAddress.map { $0 + from }, b.count - from, UInt32(minimum), UInt32(lineMinimum), out.baseAddress!, capacity)
                                }
                                found += runs[..<(2 * count)].map { from + $0 }
                                guard count == capacity else { break }
                                from += runs[2 * capacity - 1]
                            }
                        }
                        #expect(found == expected, "minimum \(minimum), line minimum \(lineMinimum), capacity \(capacity), portable \(portable), \(bytes.count) bytes")
                    }
                }
            }
        }
    }

    /// The binary view in C, 32 bytes at a time where no wide string can start, against the
    /// same a step at a time: bytes of every kind (noise, zero runs, text, UTF-16 and UTF-32
    /// strings either way round, some a unit short of the minimum, at odd offsets), whole and
    /// cut at every length near the ends of a block.
    @Test("the binary view in C is the same 32 bytes at a time as a byte at a time", arguments: 0..<4)
    func printableViewInC(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 4_417)
        func wide(_ text: String, width: Int, low: Bool) -> [UInt8] {
            Array(text.utf8).flatMap { c -> [UInt8] in
                var unit = [UInt8](repeating: 0, count: width)
                unit[low ? 0 : width - 1] = c
                return unit
            }
        }
        for _ in 0..<60 {
            var bytes: [UInt8] = []
            while bytes.count < 1500 {
                switch rng.next() % 6 {
                case 0: bytes += (0..<Int(rng.next() % 90)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                case 1: bytes += [UInt8](repeating: 0, count: Int(rng.next() % 50))
                case 2: bytes += Array("token = ghp_abc\tdef\r\n".utf8).prefix(Int(rng.next() % 22))
                case 3:
                    let length = Int(rng.next() % 3) + 6 // 6 to 8 units: below, at and past the minimum
                    let text = String("SECRETKEYVALUE".prefix(length))
                    bytes += wide(text, width: rng.next() % 2 == 0 ? 2 : 4, low: rng.next() % 2 == 0)
                case 4: bytes += (0..<Int(rng.next() % 40)).flatMap { _ in [UInt8(0x41 + rng.next() % 26), 0] }
                default: bytes += [0x7F, 0x80, 0xFF, 0x1F, 0x20, 0x7E, 0x09, 0x0A, 0x0D, 0x00].shuffled(using: &rng)
                }
            }
            for cut in [bytes.count, 35, 34, 36, 67, 1, 0] where cut <= bytes.count {
                var fast = Array(bytes[..<cut]), slow = fast
                fast.withUnsafeMutableBufferPointer { reviewgate_printable_view($0.baseAddress, $0.count, PrintableRuns.minimumWideRun) }
                slow.withUnsafeMutableBufferPointer { reviewgate_printable_view_portable($0.baseAddress, $0.count, PrintableRuns.minimumWideRun) }
                #expect(fast == slow, "seed \(seed), \(cut) bytes")
                #expect(!fast.contains { !($0 == 0 || ($0 >= 0x20 && $0 < 0x7F) || $0 == 9 || $0 == 10 || $0 == 13) })
            }
        }
        // A UTF-16 string after 40 bytes of noise is moved where it starts, in both.
        var bytes = [UInt8](repeating: 0xC3, count: 40) + wide("PASSWORD=hunter22", width: 2, low: true) + [UInt8](repeating: 0xC3, count: 40)
        bytes.withUnsafeMutableBufferPointer { reviewgate_printable_view($0.baseAddress, $0.count, PrintableRuns.minimumWideRun) }
        #expect(Array(bytes[40..<57]) == Array("PASSWORD=hunter22".utf8))
        #expect(bytes[..<40].allSatisfy { $0 == 0 } && bytes[57...].allSatisfy { $0 == 0 })
    }

    /// The NUL-joined stretches found from each NUL against the same found a byte at a time:
    /// noise, zero runs, text with NULs inside and at its ends, resumed at every capacity.
    @Test("NUL-joined stretches are found from each NUL as a byte at a time finds them", arguments: 0..<4)
    func nulStretchesInC(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 7_919)
        for _ in 0..<80 {
            var bytes: [UInt8] = []
            while bytes.count < 1200 {
                switch rng.next() % 5 {
                case 0: bytes += (0..<Int(rng.next() % 70)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                case 1: bytes += [UInt8](repeating: 0, count: Int(rng.next() % 12))
                case 2: bytes += Array("ghp_ab".utf8) + [0] + Array("cdEF12\tx".utf8).prefix(Int(rng.next() % 9))
                case 3: bytes += (0..<Int(rng.next() % 30)).flatMap { _ in [UInt8(0x41 + rng.next() % 26), 0] }
                default: bytes += [0x7F, 0x80, 0x41, 0x00, 0x42, 0x0A, 0x00, 0x00, 0x43].shuffled(using: &rng)
                }
            }
            for minimum in [1, 4, 8, 16] {
                func all(_ search: (UnsafePointer<UInt8>?, Int, Int, Int, UnsafeMutablePointer<Int>?, Int) -> Int, capacity: Int) -> [Int] {
                    var found: [Int] = []
                    var pairs = [Int](repeating: -1, count: 2 * capacity)
                    var from = 0
                    bytes.withUnsafeBufferPointer { b in
                        while from < b.count {
                            let count = pairs.withUnsafeMutableBufferPointer { search(b.baseAddress, b.count, from, minimum, $0.baseAddress, capacity) }
                            found += pairs[..<(2 * count)]
                            guard count == capacity else { break }
                            from = pairs[2 * count - 1]
                        }
                    }
                    return found
                }
                let expected = all(reviewgate_nul_stretches_portable, capacity: 1024)
                for capacity in [1, 2, 1024] {
                    #expect(all(reviewgate_nul_stretches, capacity: capacity) == expected, "seed \(seed), minimum \(minimum), capacity \(capacity)")
                }
            }
        }
    }

    /// `firstWord` (C) against its definition read byte by byte: every place a name stands as a
    /// whole identifier, from every start, in texts thick with the name inside longer
    /// identifiers, at both ends, overlapping itself (`aa` in `aaa`), and cut short at the end.
    @Test("a name's whole uses are found in C as its definition finds them", arguments: 0..<4)
    func wholeWordsInC(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 991)
        let pieces: [[UInt8]] = ["p", "pp", "p_", "_p", "p1", "ab", "aab", " ", "\n", "$", "{", "}", "+", ".", "\u{00}", "\u{FF}", "é"].map { Array($0.utf8) }
        for word in ["p", "ab", "aa", "name", "_x1"].map({ Array($0.utf8) }) {
            for _ in 0..<40 {
                var bytes: [UInt8] = []
                for _ in 0..<Int(rng.next() % 60) {
                    bytes += rng.next() % 3 == 0 ? word : pieces[Int(rng.next() % UInt64(pieces.count))]
                }
                if rng.next() % 4 == 0 { bytes += word.dropLast() }
                var expected: [Int] = []
                if bytes.count >= word.count {
                    for i in 0...(bytes.count - word.count) where Array(bytes[i..<(i + word.count)]) == word
                        && (i == 0 || !Decoders.isIdentifier(bytes[i - 1]))
                        && (i + word.count == bytes.count || !Decoders.isIdentifier(bytes[i + word.count])) {
                        expected.append(i)
                    }
                }
                bytes.withUnsafeBytes { b in
                    for start in 0...bytes.count {
                        #expect(Decoders.firstWord(word, in: b, from: start) == expected.first { $0 >= start },
                                "\(String(decoding: word, as: UTF8.self)) from \(start) in \(bytes)")
                    }
                }
            }
        }
    }

    @Test("a literal opens a variable's value in shell, make, INI and code; a bare word after a spaced `=` before `;` is code naming a variable")
    func assignedLiterals() {
        func name(_ text: String, keyword: String) -> String? {
            let bytes = Array(text.utf8)
            let at = text.utf8.count - text.components(separatedBy: keyword).last!.utf8.count - keyword.utf8.count
            return bytes.withUnsafeBytes { b in Decoders.assignedName(b, valueAt: at).map { String(decoding: bytes[$0], as: UTF8.self) } }
        }
        #expect(name("A=ghp_abc\n", keyword: "ghp_") == "A")
        #expect(name("A=ghp_abc; B=rest\n", keyword: "ghp_") == "A")
        #expect(name("TOKEN = ghp_abc\n", keyword: "ghp_") == "TOKEN")
        #expect(name("const a = \"ghp_abc\";\n", keyword: "ghp_") == "a")
        #expect(name("ENV PART ghp_abc\n", keyword: "ghp_") == "PART")
        #expect(name("\tp = pattern;\n", keyword: "pat") == nil)
        #expect(name("x = checkout;\n", keyword: "checkout") == nil)
    }

    @Test("past the names looked up one by one, a text's assignments are read at once, and a split token is still joined")
    func manyNamesLookedUp() {
        let token = Self.token(33)
        var text = ""
        for i in 0..<(Decoders.maxNameLookups + 8) { text += "AWS_SECRET_ACCESS_KEY_\(i)=\"$v\(i)$w\(i)\"\n" }
        text += "A='\(token.prefix(2))'\nB='\(token.dropFirst(2))'\nGITHUB_TOKEN=\"$A$B\"\n"
        let hits = found(read(text), token)
        #expect(hits.count == 1)
        #expect(hits.first?.encoding == "variables")
        // The same for references side by side under neutral names (the trigger's join).
        var neutral = ""
        for i in 0..<(Decoders.maxNameLookups + 8) { neutral += "N\(i)=\"$v\(i)$w\(i)\"\n" }
        neutral += "A=\(token.prefix(2))\nB=\(token.dropFirst(2))\nNEUTRAL=\"$A$B\"\n"
        #expect(found(read(neutral), token).first?.encoding == "variables")
    }

    /// The runs `forEachRun` finds in `bytes`, and those the pattern finds tried at every
    /// offset, each sorted (`offset << 8 | trigger`).
    static func runsBothWays(_ bytes: [UInt8]) -> (sampled: [Int], every: [Int]) {
        var sampled: [Int] = []
        var every: [Int] = []
        bytes.withUnsafeBytes { b in
            Trigger.forEachRun(in: b) { sampled.append($1 << 8 | $0.rawValue) }
            for i in 0..<b.count {
                for t in [Trigger.run, .hexRun, .wrappedRun] where t.matches(b, at: i) { every.append(i << 8 | t.rawValue) }
            }
        }
        return (sampled.sorted(), every.sorted())
    }

    @Test("keywords and triggers in one Hyperscan database find exactly what the two databases find", arguments: 0..<6)
    func mergedDatabaseAgrees(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed) &+ 4242)
        let words = Self.scanner.words
        let triggers = Trigger.onHyperscan
        let merged = try #require(HyperscanKeywords(words, triggers: triggers))
        let keywords = try #require(HyperscanKeywords(words))
        let separate = try #require(HyperscanTriggers())
        // Keywords in either case, trigger pieces, and bytes of every value around them.
        let pieces = words.shuffled(using: &rng).prefix(60).map { rng.next() % 2 == 0 ? $0.uppercased() : $0 }
            + ["%5F", "\\u0041", "\\x5f", "a\\\n", ": >-\n", "a\" + \"b", "c\"\"d", "e$F", "}${", ")$(", "47 49 54 48", "0x47, 0x49", "a</t>", "7, 103, 1", "a\u{200B}",
               "&#95;", "c'+'d", "j\" \"k", "\"\n ", " ", "\n", "=", "\u{0}", "\u{FF}"]
        var bytes: [UInt8] = []
        while bytes.count < 20_000 {
            if rng.next() % 3 == 0 { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            else { bytes += Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8) }
        }
        var one: [Int] = [], two: [Int] = []
        var s1: OpaquePointer?, s2: OpaquePointer?, s3: OpaquePointer?
        defer { [s1, s2, s3].forEach { if let s = $0 { hs_free_scratch(s) } } }
        bytes.withUnsafeBytes { b in
            #expect(merged.forEachOccurrence(in: b, scratch: &s1) { one.append($1 << 16 | $0) })
            #expect(keywords.forEachOccurrence(in: b, scratch: &s2) { two.append($1 << 16 | $0) })
            #expect(separate.forEachOccurrence(in: b, scratch: &s3) { two.append($1 << 16 | (words.count + $0.rawValue)) })
        }
        #expect(one.sorted() == two.sorted())
        #expect(one.contains { $0 & 0xFFFF < words.count } && one.contains { $0 & 0xFFFF >= words.count })
    }

    @Test("a scanner past the merged database's threshold finds what it found before it")
    func mergedDatabaseInScanner() throws {
        // Never the kept merged database (`HyperscanCache`) at the first search: the thresholds.
        let scanner = Scanner(ruleSet: try RuleSet.builtin(), allowPath: nil, startsNearKeywords: true, keptDatabases: false)
        let scratch = MatchScratch()
        var rng = SplitMix(seed: 99)
        let pieces = scanner.words.shuffled(using: &rng).prefix(80).map { $0 }
            + ["%5F%41", "\\u0041", "a\\\n", ": >-\n", "a\" + \"b", "c\"\"d", "e$F", "}${", ")$(", "0x47, 0x49", "7, 103, 1", " ", "\n",
               "YSB2YWx1ZSBmb3IgdGhlIHRlc3Q", "746f6b656e2076616c756520666f72207468652074657374"]
        var sample: [UInt8] = []
        while sample.count < 50_000 { sample += Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8) }
        // Below every threshold: the automaton and the triggers searched in Swift.
        let before = sample.withUnsafeBytes { scanner.keywordOccurrences(in: $0, scratch: scratch) }
        #expect(scanner.fastKeywords.database(forSearching: 0) == nil)
        // Past the merged database's threshold (the keywords' own compiled on the way).
        let filler = [UInt8](repeating: 0x20, count: LazyHyperscanKeywords.mergedThreshold / 2 + 1)
        for _ in 0..<3 { _ = filler.withUnsafeBytes { scanner.keywordOccurrences(in: $0, scratch: scratch) } }
        #expect(scanner.fastKeywords.database(forSearching: 0)?.withTriggers == true)
        let after = sample.withUnsafeBytes { scanner.keywordOccurrences(in: $0, scratch: scratch) }
        #expect(after == before)
        #expect(!before.packed.isEmpty)
    }

    @Test("the trigger search on Hyperscan finds exactly what the plain search finds", arguments: 0..<20)
    func triggersAgree(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed) &+ 77)
        let pieces = ["%5F", "%41%42", "\\u0041", "\\x5f", "a</t>", "<b>x</", "</", "47 49 54 48", "4f:4b:45:4e:", "0x47, 0x49", "0X47,0x49", "4749 5448", "\\U00000041", "\\U0001F600", "\\101", "\\047", "\\033", "\\400", "a\"\n ", "b'\n'", "c\"\r\n\t", "d'\n\"", "a\\\n", "b\\\r\n", ": >-\n", ": |", "a\" + \"b", "c\"\"d", "e$F", "}${", ")$(", "c'+'d", "e\"  + ", "f` +", "&#95;", "&#x5f;", "&#", "&#a", "+ \"g", ".'h", "+'h", ". \"i", "+`i", "x\".y", "x\".\"y", "x\"+z", "j\" \"k", "- >-\n", "- |", "\"\n", "'",
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789", "0123456789abcdef0123456789ABCDEF", " ", "\n", "\"", "=", "_", "-", "/",
                      // Runs whose first characters decode to text: only those are triggers.
                      Data("a value for the test".utf8).base64EncodedString(), "746f6b656e2076616c756520666f72207468652074657374",
                      // Bytes past 0x7F, dots, and a run longer than 64 words (512 bytes).
                      "é", ".", Data(String(repeating: "a longer value for the test, ", count: 20).utf8).base64EncodedString(),
                      // Invisible characters after a value character; decimal byte lists.
                      "a\u{200B}", "b\u{200C}", "c\u{2060}", "d\u{FEFF}", "e\u{AD}", "\u{200B}", "\u{AD}",
                      "7, 103, 1", "9,110,4", "1, 120, 2", "3, 99, 4", "104, ", "1", "0,",
                      // Well-known prefixes rot13'd and reversed, and near misses.
                      "tuc_", "_phg", "NXVN", "AIKA", "kbko", "tuc", "_ph", "NXV"]
        var bytes: [UInt8] = []
        while bytes.count < 4000 { bytes += Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8) }
        let hyperscan = try #require(HyperscanTriggers())
        var fast: [Int] = []
        var plain: [Int] = []
        var scratch: OpaquePointer?
        bytes.withUnsafeBytes { b in
            #expect(hyperscan.forEachOccurrence(in: b, scratch: &scratch) { fast.append($1 << 8 | $0.rawValue) })
            Trigger.forEachOccurrence(in: b) { plain.append($1 << 8 | $0.rawValue) }
        }
        #expect(fast.sorted() == plain.sorted())
        #expect(!plain.isEmpty)
        // Runs: the sampled search against the pattern tried at every offset.
        let (sampled, every) = Self.runsBothWays(bytes)
        #expect(sampled == every)
        #expect(!every.isEmpty)
    }
}
