import Foundation
import ReviewGateTestSupport
@testable import Secrets
import Testing

/// The windowed reader (SPEC §1.3: a large blob is streamed) against the whole-buffer reader:
/// with windows of a few KiB, random texts with secrets on and around every seam give the
/// same findings at the same lines and columns, whatever sizes the source hands out.
@Suite struct StreamingTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())
    /// Small windows, so a few hundred KiB cross many seams.
    static let limits: ReadLimits = {
        var limits = ReadLimits(maxFileBytes: 1 << 30)
        limits.window = 32 << 10
        limits.windowOverlap = 4 << 10
        return limits
    }()

    struct Found: Hashable, CustomStringConvertible {
        var rule: String
        var secret: String
        var line: Int
        var column: Int
        var encoding: String?
        var member: String?
        var description: String { "\(rule)@\(line):\(column) \(encoding ?? "") \(member ?? "")" }
    }

    static func found(_ scan: BlobScan) -> Set<Found> {
        Set(scan.candidates.map {
            Found(rule: $0.ruleID, secret: String(decoding: $0.secret, as: UTF8.self), line: $0.line, column: $0.column,
                  encoding: $0.encoding, member: $0.member.map { String(decoding: $0, as: UTF8.self) })
        })
    }

    /// `bytes` streamed in pieces of random sizes (some of one byte).
    static func streamed(_ bytes: [UInt8], seed: UInt64, limits: ReadLimits = limits) -> BlobScan {
        var rng = SplitMix(seed: seed)
        var at = 0
        return scanner.read(size: bytes.count, from: { out in
            let piece = rng.next() % 4 == 0 ? 1 : Int(rng.next() % 9000) + 1
            let n = min(out.count, piece, bytes.count - at)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
            at += n
            return n
        }, limits: limits, scratch: MatchScratch())
    }

    static func whole(_ bytes: [UInt8]) -> BlobScan {
        bytes.withUnsafeBytes { scanner.read($0, limits: limits, scratch: MatchScratch()) }
    }

    /// Random lines of words with `secrets` placed so each starts near one of `positions`.
    static func text(seed: UInt64, size: Int, secrets: [(Int, String)]) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        let words = ["alpha", "beta", "gamma", "delta", "log", "the", "value", "of", "ü", "数据", "run", "id"]
        var out: [UInt8] = []
        out.reserveCapacity(size + 4096)
        var pending = secrets.sorted { $0.0 < $1.0 }[...]
        while out.count < size {
            if let (at, secret) = pending.first, out.count >= at - 1 {
                out += Array(secret.utf8) + [10]
                pending = pending.dropFirst()
            }
            out += Array(words[Int(rng.next() % UInt64(words.count))].utf8)
            out.append(rng.next() % 9 == 0 ? 10 : 32)
        }
        for (_, secret) in pending { out += Array(" \(secret)\n".utf8) }
        return out
    }

    /// Offsets on and around the seams of the first windows: where a window's new text
    /// starts, where its ownership starts, where it ends.
    static func seams(_ limits: ReadLimits, count: Int) -> [Int] {
        let w = limits.window, o = limits.windowOverlap
        return (1...count).flatMap { k in [k * w, k * w + o, k * w + 2 * o].flatMap { [$0 - 30, $0 - 3, $0, $0 + 5] } }
    }

    @Test("plain text: the same findings as the whole-buffer reader, with secrets on every seam", arguments: [1, 2, 3] as [UInt64])
    func plainText(seed: UInt64) {
        var factory = SecretFactory(seed: 9000 + seed)
        var placed: [(Int, String)] = []
        for (i, at) in Self.seams(Self.limits, count: 4).enumerated() {
            let secret = switch i % 4 {
            case 0: "token = \(factory.githubToken())"
            case 1: "aws_key: \(factory.awsAccessKey())"
            case 2: "export SLACK=\(factory.slackBotToken())"
            default: "blob: \(Data("key \(factory.githubToken())".utf8).base64EncodedString())"
            }
            placed.append((at, secret))
        }
        let bytes = Self.text(seed: seed, size: 5 * Self.limits.window, secrets: placed)
        let whole = Self.found(Self.whole(bytes))
        let streamed = Self.found(Self.streamed(bytes, seed: seed))
        #expect(whole.count >= placed.count)
        #expect(streamed == whole, "only whole: \(whole.subtracting(streamed)); only streamed: \(streamed.subtracting(whole))")
    }

    @Test("a secret in the very last bytes, and one cut by every kind of window end, are found once")
    func atTheEnd() {
        var factory = SecretFactory(seed: 9100)
        let last = factory.githubToken()
        let bytes = Self.text(seed: 7, size: 3 * Self.limits.window + 1234, secrets: []) + Array("k=\(last)".utf8)
        let scan = Self.streamed(bytes, seed: 7)
        #expect(scan.candidates.filter { $0.secret == Array(last.utf8) }.count == 1)
        #expect(Self.found(scan) == Self.found(Self.whole(bytes)))
    }

    @Test("UTF-16 and binary content in windows: the same findings as the whole-buffer reader",
          arguments: [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf32LittleEndian])
    func wideAndBinary(encoding: String.Encoding) throws {
        var factory = SecretFactory(seed: 9200)
        let placed = Self.seams(Self.limits, count: 3).map { ($0 / 3, "token = \(factory.githubToken())") }
        let text = String(decoding: Self.text(seed: 11, size: 2 * Self.limits.window, secrets: placed), as: UTF8.self)
        let wide = Array(try #require(text.data(using: encoding)))
        let whole = Self.found(Self.whole(wide))
        #expect(whole.count >= placed.count)
        #expect(Self.found(Self.streamed(wide, seed: 11)) == whole)
        // Binary: NULs and high bytes between the lines.
        var binary: [UInt8] = [0, 1, 2, 0xFF]
        for (i, line) in text.utf8.split(separator: 10).enumerated() { binary += line + (i % 3 == 0 ? [0, 0x80, 10] : [10]) }
        let wholeBinary = Self.found(Self.whole(binary))
        #expect(wholeBinary.count >= placed.count)
        #expect(Self.found(Self.streamed(binary, seed: 12)) == wholeBinary)
    }

    @Test("NULs inside a token, in binary content or past the first window of text, are taken out as in memory (the blob read again)")
    func nulsInsideText() {
        var factory = SecretFactory(seed: 9250)
        let tokens = (0..<4).map { _ in factory.githubToken() }
        func split(_ token: String, _ nuls: Int) -> [UInt8] {
            Array(token.utf8.prefix(10)) + [UInt8](repeating: 0, count: nuls) + Array(token.utf8.dropFirst(10))
        }
        let text = Self.text(seed: 13, size: 3 * Self.limits.window, secrets: [])
        let cases: [[UInt8]] = [
            // Binary from its first byte, the token cut by one NUL on a window's seam.
            [0, 1, 2, 0xFF] + text.prefix(Self.limits.window - 20) + Array("\nTOKEN=".utf8) + split(tokens[0], 1) + [10] + text,
            // Text whose first NUL lies windows in, cut by a run of NULs.
            text + text + Array("\nkey: ".utf8) + split(tokens[1], 40) + [10] + text.prefix(5000),
            // Text whose only NUL is in the first window (read before any `next`), past 8,000 bytes.
            Array(text.prefix(10_000)) + Array("\nkey: ".utf8) + split(tokens[2], 1) + [10] + text,
        ]
        for (i, bytes) in cases.enumerated() {
            func lines(_ scan: BlobScan) -> Set<String> {
                Set(scan.candidates.filter { $0.ruleID == "github-pat" }.map { "\($0.line) \($0.encoding ?? "") \(String(decoding: $0.secret, as: UTF8.self))" })
            }
            let whole = lines(Self.whole(bytes))
            var at = 0
            let streamed = Self.scanner.read(size: bytes.count, from: { out in
                let n = min(out.count, 7000, bytes.count - at)
                guard n > 0 else { return 0 }
                bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
                at += n
                return n
            }, limits: Self.limits, scratch: MatchScratch(), reopen: {
                at = 0
                return { out in
                    let n = min(out.count, 5000, bytes.count - at)
                    guard n > 0 else { return 0 }
                    bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
                    at += n
                    return n
                }
            })
            #expect(whole.count == 1 && whole.first?.contains(" nul-removed \(tokens[i])") == true, "\(whole)")
            #expect(lines(streamed) == whole)
        }
    }

    @Test("an archive larger than a window is opened through the read callback, its large member read in windows")
    func largeArchive() throws {
        var factory = SecretFactory(seed: 9300)
        let placed = Self.seams(Self.limits, count: 3).map { ($0, "token = \(factory.githubToken())") }
        let member = Self.text(seed: 13, size: 8 * Self.limits.window, secrets: placed)
        for kind in [TestArchive.Kind.tar, .tarGz, .zipDeflate] {
            let archive = Array(try TestArchive.make(kind, [("big/app.log", Data(member)), ("small.env", Data("T=\(factory.githubToken())\n".utf8))]))
            #expect(archive.count > Self.limits.window + 2 * Self.limits.windowOverlap, "\(kind) must be streamed")
            let whole = Self.found(Self.whole(archive))
            #expect(whole.count == placed.count + 1, "\(kind)")
            #expect(Self.found(Self.streamed(archive, seed: 13)) == whole, "\(kind)")
        }
    }

    @Test("a damaged source, a member past max_file_bytes and a streamed archive past its budget are unscannable, not lost")
    func damage() throws {
        var limits = Self.limits
        // A source that fails half way: what was read is scanned, the blob is unscannable.
        var factory = SecretFactory(seed: 9400)
        let early = factory.githubToken()
        let bytes = Self.text(seed: 17, size: 4 * limits.window, secrets: [(100, "t = \(early)")])
        var at = 0
        let scan = Self.scanner.read(size: bytes.count, from: { out in
            guard at < bytes.count / 2 else { return Archives.Problem.corrupt.code }
            let n = min(out.count, 5000)
            bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
            at += n
            return n
        }, limits: limits, scratch: MatchScratch())
        #expect(scan.unscannable.map(\.problem) == [.corrupt])
        #expect(scan.candidates.contains { $0.secret == Array(early.utf8) })
        // Past max_file_bytes: refused unread.
        #expect(Self.streamed(bytes, seed: 1, limits: ReadLimits(maxFileBytes: 1000)).unscannable.map(\.problem) == [.tooLarge])
        // A streamed archive whose members expand past the budget.
        limits.maxExpandedBytes = 2 * limits.window
        let archive = Array(try TestArchive.make(.tarGz, [("a.log", Data(bytes)), ("b.log", Data(bytes))]))
        let bomb = Self.streamed(archive, seed: 2, limits: limits)
        #expect(bomb.unscannable.contains { $0.problem == .limit }, "\(bomb.unscannable)")
    }
}
