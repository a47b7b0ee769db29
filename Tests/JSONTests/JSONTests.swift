import Testing
import JSON

@Suite struct JSONTextTests {
    @Test func keepsInsertionOrderUnlessSorted() {
        let value: JSONValue = .object([("b", 1), ("a", .array([true, nil])), ("é", "x")])
        #expect(value.serialized() == #"{"b":1,"a":[true,null],"é":"x"}"#)
        #expect(value.serialized(sortedKeys: true) == #"{"a":[true,null],"b":1,"é":"x"}"#)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote\" back\\slash", #""quote\" back\\slash""#),
        ("\n\r\t", #""\n\r\t""#),
        ("\u{01}\u{1f}\u{7f}", #""\u0001\u001f\u007f""#),
        ("\u{2028}", #""\u2028""#),
        ("ünï 😀", #""ünï 😀""#),
    ])
    func escapesStrings(input: String, expected: String) {
        #expect(JSONValue.string(input).serialized() == expected)
    }

    @Test func negativeAndLargeIntegers() {
        #expect(JSONValue.array([.int(-5), .int(Int64.max)]).serialized() == "[-5,9223372036854775807]")
    }
}
