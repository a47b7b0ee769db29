import Base
import Foundation
@testable import Secrets
import Testing

/// A JWT is a credential in force only when signed, naming its issuer or audience, and not
/// expired; each other token is a sample (`jwt-inert`). Tokens are built here from their JSON.
@Suite struct JSONWebTokenTests {
    static let now = 1_800_000_000.0

    static func part(_ json: String) -> String {
        Base64.encode(Array(json.utf8)).replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func token(header: String = #"{"alg":"RS256","typ":"JWT"}"#, _ payload: String,
                      signature: String = String(repeating: "Qx7_", count: 11)) -> [UInt8] {
        Array((part(header) + "." + part(payload) + "." + signature).utf8)
    }

    static func verdict(header: String = #"{"alg":"RS256","typ":"JWT"}"#, _ payload: String) -> JSONWebToken.Verdict {
        JSONWebToken.judge(token(header: header, payload), now: now)
    }

    @Test func inForce() {
        #expect(Self.verdict(#"{"iss":"https://login.acme.test/","sub":"42","aud":"api","exp":1900000000}"#) == .inForce)
        #expect(Self.verdict(#"{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:ci:bot"}"#) == .inForce, "no exp: in force for ever")
        #expect(Self.verdict(#"{"aud":["api","web"],"exp":1.9e9}"#) == .inForce, "an audience list, an exp in exponent form")
        #expect(Self.verdict(#"  { "iss" : "a\u0063me" , "nested" : {"exp": 1, "x": ["}", "]"]} }  "#) == .inForce,
                "whitespace, escapes, and an exp inside a nested object, which is not the token's")
        #expect(Self.verdict(#"{"iss":"acme","exp":"2001-01-01"}"#) == .inForce, "an exp that is no number is no expiry")
        #expect(Self.verdict(header: #"{"alg":"HS512"}"#, #"{"iss":"acme","exp":1,"exp":1900000000}"#) == .inForce, "a repeated name: the last counts")
        #expect(Self.verdict(#"{"iss":"https://login.acme.test/","exp":1900000000,"score":NaN,"max":Infinity,"min":-Infinity}"#) == .inForce,
                "the non-numbers a library writes and reads back")
        #expect(Self.verdict(#"{"iss":" ","exp":1900000000}"#) == .inForce, "an issuer of a space is an issuer")
    }

    @Test func inert() {
        #expect(Self.verdict(#"{"sub":"1234567890","name":"John Doe","admin":true,"iat":1516239022}"#) == .inert, "no issuer, no audience")
        #expect(Self.verdict(#"{"iss":"https://login.acme.test/","aud":"api","exp":1700000000}"#) == .inert, "expired")
        #expect(Self.verdict(#"{"iss":"acme","exp":1800000000}"#) == .inert, "expires at the scan's second")
        #expect(Self.verdict(header: #"{"alg":"none"}"#, #"{"iss":"acme","aud":"api"}"#) == .inert, "unsigned")
        #expect(Self.verdict(header: #"{"alg":"NONE"}"#, #"{"iss":"acme"}"#) == .inert)
        #expect(Self.verdict(header: #"{"typ":"JWT"}"#, #"{"iss":"acme"}"#) == .inert, "no algorithm")
        #expect(Self.verdict(header: #"{"alg":5}"#, #"{"iss":"acme"}"#) == .inert)
        #expect(Self.verdict(#"{"iss":"","aud":[],"sub":"x"}"#) == .inert, "empty issuer and audience")
        #expect(Self.verdict(#"{"iss":null}"#) == .inert)
        #expect(Self.verdict(header: #"{"alg":"HS256","ty\#u{FFFD}":"JWT""#, #"{"iss":"acme"}"#) == .inert, "a header cut short")
        #expect(Self.verdict(#"{"iss":"acme"} trailing"#) == .inert, "text after the object")
        #expect(Self.verdict(#"["iss","acme"]"#) == .inert, "not an object")
        #expect(Self.verdict(#"{"iss":"acme","exp":1700000000,}"#) == .inert, "a trailing comma is no JSON")
        let mangled = Array("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhY21lIn0$.".utf8) + Array(repeating: UInt8(ascii: "A"), count: 43)
        #expect(JSONWebToken.judge(mangled, now: Self.now) == .inert, "a character outside base64url")
        #expect(JSONWebToken.judge(Array("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhY21lIn0.".utf8), now: Self.now) == .inert, "no signature")
        #expect(JSONWebToken.judge(Self.token(header: #"{"alg":"RS256"}"#, #"{"iss":"acme"}"#) + Array(".x".utf8), now: Self.now) == .inert, "four parts")
    }

    /// A hostile payload (brackets nested a million deep, an unterminated string) is read in
    /// one pass and judged, never recursed into.
    @Test func hostilePayloads() {
        let deep = #"{"iss":"acme","x":"# + String(repeating: "[", count: 1_000_000) + String(repeating: "]", count: 1_000_000) + "}"
        #expect(Self.verdict(deep) == .inForce)
        let open = #"{"iss":"acme","x":"# + String(repeating: "[{\"a\":", count: 200_000)
        #expect(Self.verdict(open) == .inert)
        #expect(Self.verdict(#"{"iss":"acme"#) == .inert)
        #expect(Self.verdict(#"{"iss":"\u12"}"#) == .inert)
        #expect(JSONWebToken.members(of: Array(#"{"a":tru}"#.utf8)) == nil)
        #expect(JSONWebToken.members(of: Array(#"{"a":-}"#.utf8)) == nil)
    }

    /// A rule of the user's own that finds a JWT reports it, whatever the built-in rules think
    /// of the token: only the built-in credential judgement (headers, URLs) gives way to
    /// jwt-inert.
    @Test func ownRulesKeepTheirJWTs() throws {
        let own = try RuleFile.parse("""
            [[rules]]
            id = "acme-service-token"
            regex = '''ACME_TOKEN\\s*=\\s*(eyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)'''
            keywords = ["acme_token"]
            confidence = "high"
            """, file: "own.toml", loadFile: nil)
        let sample = String(decoding: Self.token(#"{"sub":"svc-billing","role":"service"}"#), as: UTF8.self)
        var text = "ACME_TOKEN=\(sample)\n"
        let alone = Scanner(ruleSet: own)
        #expect(text.withUTF8 { alone.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }.map(\.ruleID) == ["acme-service-token"])
        var both = try RuleSet.builtin()
        both.append(own)
        let withBuiltin = Scanner(ruleSet: both)
        #expect(text.withUTF8 { withBuiltin.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }.map(\.ruleID) == ["acme-service-token"])
    }

    /// A sample in a header is one warning, also with what a sentence or padding puts after it.
    @Test func headersGiveWayToJWTInert() throws {
        let scanner = Scanner(ruleSet: try RuleSet.builtin())
        let sample = String(decoding: Self.token(#"{"sub":"1234567890","name":"Jane Roe"}"#), as: UTF8.self)
        for text in ["Send the header Authorization: Bearer \(sample).\n", "Authorization: Bearer \(sample)=\n",
                     "curl -H 'Authorization: Bearer \(sample)~' https://api.acme.test\n",
                     "users:\n- name: ci\n  user:\n    token: \(sample)\n"] {
            var t = text
            let hits = t.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }
            #expect(hits.map(\.ruleID) == ["jwt-inert"], "\(text.prefix(40))")
        }
    }

    /// The scanner: the jwt rule reports a token in force, jwt-inert every other, never both.
    @Test func rulesSplitTheShape() throws {
        let scanner = Scanner(ruleSet: try RuleSet.builtin())
        let live = String(decoding: Self.token(#"{"iss":"https://login.acme.test/","aud":"api"}"#), as: UTF8.self)
        let sample = String(decoding: Self.token(#"{"sub":"1234567890","name":"Jane Roe"}"#), as: UTF8.self)
        let expired = String(decoding: Self.token(#"{"iss":"https://login.acme.test/","exp":1600000000}"#), as: UTF8.self)
        for (value, rule) in [(live, "jwt"), (sample, "jwt-inert"), (expired, "jwt-inert")] {
            var text = "token = \"\(value)\"\n"
            let hits = text.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }
            #expect(hits.map(\.ruleID) == [rule], "\(value)")
        }
    }
}
