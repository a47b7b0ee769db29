import Base
import Foundation
import ReviewGateTestSupport
import Testing

extension SplitMix {
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

@Suite struct HexTests {
    @Test func roundTripsAndAgreesWithFormat() {
        var rng = SplitMix(seed: 1)
        for length in 0..<64 {
            let bytes = rng.bytes(length)
            let text = Hex.encode(bytes)
            #expect(text == bytes.map { String(format: "%02x", $0) }.joined())
            #expect(Hex.decode(text) == bytes)
        }
    }

    @Test(arguments: ["a", "abc", "0G", "AB", "zz", " 00", "0x00"])
    func refusesWhatIsNotLowercaseHexPairs(text: String) {
        #expect(Hex.decode(text) == nil)
    }
}

@Suite struct Base64Tests {
    @Test func agreesWithFoundation() {
        var rng = SplitMix(seed: 3)
        for length in 0..<100 {
            let bytes = rng.bytes(length)
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString())
            #expect(Base64.decode(text) == bytes)
            #expect(Base64.encode(bytes, padded: false) == text.replacingOccurrences(of: "=", with: ""))
        }
    }

    @Test(arguments: ["A", "AB=C", "A===", "AB==AB==", "AQ=\n", "AR==", "AQ=", "A*==", "QUJD\u{7f}"])
    func strictDecodingRefuses(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test func armoredTextMaySpanLines() {
        let text = Base64.encode(Array("reviewgate approval v1\n".utf8))
        let wrapped = Array(text.prefix(8).utf8) + [10] + Array(text.dropFirst(8).utf8) + [13, 10]
        #expect(Base64.decode(wrapped, skippingWhitespace: true) == Array("reviewgate approval v1\n".utf8))
        #expect(Base64.decode(wrapped) == nil)
    }
}

@Suite struct RFC3339Tests {
    @Test func formatsAndParses() {
        #expect(RFC3339.utcMilliseconds(0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.utcMilliseconds(1_714_555_800_125) == "2024-05-01T09:30:00.125Z")
        #expect(RFC3339.utcMilliseconds(-1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.parse("2024-05-01T09:30:00.125Z") == 1_714_555_800_125)
        #expect(RFC3339.parse("2024-05-01") == 1_714_521_600_000)
        #expect(RFC3339.parse("2024-05-01T11:30:00+02:00") == 1_714_555_800_000)
        #expect(RFC3339.parse("2024-05-01 09:30:00Z") == 1_714_555_800_000)
        for bad in ["", "2024-13-01", "2024-02-30", "2024-05-01T09:30", "2024-05-01T09:30:00", "yesterday", "2024-05-01T09:30:00.Z"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
        var rng = SplitMix(seed: 11)
        for _ in 0..<2000 {
            let ms = Int64(rng.next() % 8_000_000_000_000)
            #expect(RFC3339.parse(RFC3339.utcMilliseconds(ms)) == ms)
        }
    }

    @Test func keepsAnIdentitysOwnOffset() {
        #expect(RFC3339.withOffset(seconds: 1_704_067_200, offsetMinutes: 60) == "2024-01-01T01:00:00+01:00")
        #expect(RFC3339.withOffset(seconds: 0, offsetMinutes: -330) == "1969-12-31T18:30:00-05:30")
        // Hostile dates and offsets are clamped, never a trap.
        #expect(!RFC3339.withOffset(seconds: .max, offsetMinutes: .max).isEmpty)
        #expect(!RFC3339.withOffset(seconds: .min, offsetMinutes: .min).isEmpty)
        #expect(!RFC3339.utcMilliseconds(.min).isEmpty)
    }

    @Test func theClockIsNow() {
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let now = WallClock.milliseconds()
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(now >= before - 1 && now <= after + 1)
        #expect(WallClock.seconds() == now / 1000 || WallClock.seconds() == now / 1000 + 1)
    }
}

@Suite struct AtomicFileTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("basetests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func replacesWholeWithTheModeAndLeavesNoTemporary() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.json"
        try AtomicFile.write(path, Array("old\n".utf8), mode: 0o600)
        try AtomicFile.write(path, Array("new\n".utf8), mode: 0o640)
        #expect(FileManager.default.contents(atPath: path) == Data("new\n".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.json"])
    }

    @Test func aRefusedPreparationKeepsTheOldFile() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/policy.toml"
        try AtomicFile.write(path, Array("old\n".utf8))
        #expect(throws: AtomicFile.WriteError.self) {
            try AtomicFile.write(path, Array("new\n".utf8)) { _ in "not allowed" }
        }
        #expect(FileManager.default.contents(atPath: path) == Data("old\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["policy.toml"])
    }

    @Test func aMissingDirectoryIsAnError() {
        #expect(throws: AtomicFile.WriteError.self) {
            try AtomicFile.write("/nonexistent-\(UUID().uuidString)/file", [1, 2, 3])
        }
    }
}
