@testable import GitPack
import ReviewGateTestSupport
import Testing

@Suite struct ObjectIDTests {
    /// Hex as git prints it: lowercase, two digits per byte in byte order, for ids whose bytes
    /// take every value (each nibble's digit, both ends of each word).
    @Test func hexIsEachByteInOrder() {
        var rng = SplitMix(seed: 9)
        var ids: [[UInt8]] = [Array(repeating: 0, count: 20), Array(repeating: 0xff, count: 20), Array(0..<20), Array(236...255)]
        for _ in 0..<200 { ids.append((0..<20).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        let digits = Array("0123456789abcdef")
        for bytes in ids {
            let expected = String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
            let id = bytes.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
            #expect(id.hex == expected)
            #expect(ObjectID(hex: expected) == id)
            #expect(ObjectID(hex: expected.uppercased())?.hex == expected)
        }
    }
}
