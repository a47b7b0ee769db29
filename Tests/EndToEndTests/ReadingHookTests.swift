import Foundation
import ReviewGateTestSupport
import Testing

/// SPEC §1.3's reading of content, pushed into a real bare repository with the hook installed:
/// a token hidden the ways the issue's attacker hid it is refused, with nothing secret in the
/// pusher's lines, the audit log or `check`'s JSON; innocuous binaries and clean archives land.
@Suite("pre-receive hook: what the scanner reads")
struct ReadingHookTests {
    /// One way of hiding a token: the file to push, the path the finding names, its encoding.
    struct Attack: CustomTestStringConvertible, Sendable {
        var name: String
        var path: String
        var reported: String
        var encoding: String?
        var make: @Sendable (String) throws -> Data
        var testDescription: String { name }
    }

    static func member(_ name: String, _ text: String) -> [(String, Data)] { [(name, Data(text.utf8))] }

    static let attacks: [Attack] = [
        Attack(name: "a NUL byte first", path: "deploy.env", reported: "deploy.env") { Data([0]) + Data("TOKEN=\($0)\n".utf8) },
        Attack(name: "8,000 NULs before", path: "deploy.env", reported: "deploy.env") { Data(count: 8000) + Data("TOKEN=\($0)\n".utf8) },
        // `git show main:deploy.env | tr -d '\0'` gives these back.
        Attack(name: "a NUL inside the token", path: "deploy.env", reported: "deploy.env", encoding: "nul-removed") {
            Data("TOKEN=\($0.prefix(9))".utf8) + Data([0]) + Data("\($0.dropFirst(9))\n".utf8)
        },
        Attack(name: "a NUL after every character", path: "deploy.env", reported: "deploy.env", encoding: "nul-removed") {
            Data("TOKEN=".utf8) + Data($0.utf8.flatMap { [$0, 0] }.dropLast()) + Data("\n".utf8)
        },
        Attack(name: "a mail in quoted-printable", path: "fixtures/welcome.eml", reported: "fixtures/welcome.eml",
               encoding: "quoted-printable") {
            Data("Subject: hi\nContent-Transfer-Encoding: quoted-printable\n\ntoken: \($0.prefix(15))=\n\($0.dropFirst(15))\n".utf8)
        },
        Attack(name: "UTF-16 with a BOM", path: "creds.txt", reported: "creds.txt", encoding: "utf-16le") {
            "# creds\ntoken = \($0)\n".data(using: .utf16)!
        },
        Attack(name: "UTF-16 without a BOM", path: "creds.txt", reported: "creds.txt", encoding: "utf-16be") {
            "# creds\ntoken = \($0)\n".data(using: .utf16BigEndian)!
        },
        Attack(name: "zip, deflate", path: "bundle.zip", reported: "bundle.zip!conf/app.env") {
            try TestArchive.make(.zipDeflate, member("conf/app.env", "TOKEN=\($0)\n"))
        },
        Attack(name: "zip, stored, under another name", path: "assets/data.bin", reported: "assets/data.bin!conf/app.env") {
            try TestArchive.make(.zipStored, member("conf/app.env", "TOKEN=\($0)\n"))
        },
        Attack(name: "jar", path: "lib/app.jar", reported: "lib/app.jar!App.class") {
            try TestArchive.make(.zipDeflate, [("META-INF/MANIFEST.MF", Data("Manifest-Version: 1.0\n".utf8)),
                                               ("App.class", Data([0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0x34]) + Data("\u{1}TOKEN=\($0)".utf8))])
        },
        Attack(name: "docx", path: "report.docx", reported: "report.docx!word/document.xml") {
            try TestArchive.make(.zipDeflate, [("[Content_Types].xml", Data("<Types/>".utf8)),
                                               ("word/document.xml", Data("<w:p><w:t>token \($0)</w:t></w:p>".utf8))])
        },
        Attack(name: "tar", path: "backup.tar", reported: "backup.tar!etc/app.env") {
            try TestArchive.make(.tar, member("etc/app.env", "TOKEN=\($0)\n"))
        },
        Attack(name: "tar.gz", path: "backup.tgz", reported: "backup.tgz!etc/app.env") {
            try TestArchive.make(.tarGz, member("etc/app.env", "TOKEN=\($0)\n"))
        },
        Attack(name: "gzip", path: "app.env.gz", reported: "app.env.gz!data") {
            try TestArchive.make(.gzip, member("x", "TOKEN=\($0)\n"))
        },
        Attack(name: "a base64 line", path: "notes.txt", reported: "notes.txt", encoding: "base64") {
            Data("notes\n\(Data("TOKEN=\($0)".utf8).base64EncodedString())\n".utf8)
        },
        Attack(name: "a base64 YAML value", path: "values.yaml", reported: "values.yaml", encoding: "base64") {
            Data("app:\n  blob: \(Data($0.utf8).base64EncodedString())\n".utf8)
        },
        Attack(name: "hex", path: "id.txt", reported: "id.txt", encoding: "hex") {
            Data("id = \($0.utf8.map { String(format: "%02x", $0) }.joined())\n".utf8)
        },
        Attack(name: "a JSON \\u00XX escape", path: "config.json", reported: "config.json", encoding: "unicode-escape") {
            Data("{\"auth\": \"\($0.replacingOccurrences(of: "_", with: "\\u005F"))\"}\n".utf8)
        },
        // The cell is read as the code it holds, its JSON escapes undone.
        Attack(name: "an .ipynb cell with \\u escapes", path: "nb.ipynb", reported: "nb.ipynb", encoding: "notebook") {
            let escaped = $0.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
            return Data("{\"cells\": [{\"cell_type\": \"code\", \"source\": [\"t = '\(escaped)'\\n\"]}]}\n".utf8)
        },
        Attack(name: "URL-encoding under a neutral key", path: "app.ini", reported: "app.ini", encoding: "percent") {
            Data("[x]\nvalue=\($0.utf8.map { String(format: "%%%02X", $0) }.joined())\n".utf8)
        },
        Attack(name: "a backslash continuation", path: "run.sh", reported: "run.sh", encoding: "joined") {
            Data("#!/bin/sh\nexport V=\($0.prefix(19))\\\n\($0.dropFirst(19))\n".utf8)
        },
        Attack(name: "a YAML folded scalar", path: "ci.yaml", reported: "ci.yaml", encoding: "joined") {
            Data("env:\n  value: >-\n    \($0.prefix(21))\n    \($0.dropFirst(21))\n".utf8)
        },
        Attack(name: "string concatenation under a neutral key", path: "app.js", reported: "app.js", encoding: "joined") {
            Data("const v = \"\($0.prefix(12))\" + \"\($0.dropFirst(12))\";\n".utf8)
        },
        Attack(name: "strings side by side split inside the prefix", path: "env.sh", reported: "env.sh", encoding: "joined") {
            Data("#!/bin/sh\nNEUTRAL=\"\($0.prefix(2))\"\"\($0.dropFirst(2))\"\n".utf8)
        },
        Attack(name: "shell variables split inside the prefix under a neutral name", path: "env.sh", reported: "env.sh",
               encoding: "variables") {
            Data("#!/bin/sh\nA=\($0.prefix(2))\nB=\($0.dropFirst(2))\nNEUTRAL=\"$A$B\"\n".utf8)
        },
        // Markup a page or rendered Markdown does not show, inside the token.
        Attack(name: "an HTML comment inside the token", path: "docs/index.html", reported: "docs/index.html", encoding: "markup") {
            Data("<p>Token: \($0.prefix(12))<!-- -->\($0.dropFirst(12))</p>\n".utf8)
        },
        // Base64 wrapped narrower than a run (`base64 -w 16`).
        Attack(name: "base64 wrapped every 16 characters", path: "notes.txt", reported: "notes.txt", encoding: "base64") {
            let encoded = Array(Data("GITHUB_TOKEN=\($0)\n".utf8).base64EncodedString())
            return Data(stride(from: 0, to: encoded.count, by: 16).map { String(encoded[$0..<min($0 + 16, encoded.count)]) + "\n" }.joined().utf8)
        },
        // C's macros pasted side by side, and a builder's calls chained over lines (Java).
        Attack(name: "C macros side by side", path: "src/key.c", reported: "src/key.c", encoding: "variables") {
            Data("#define KEY_A \"\($0.prefix(12))\"\n#define KEY_B \"\($0.dropFirst(12))\"\nconst char *key = KEY_A KEY_B;\n".utf8)
        },
        Attack(name: "a builder's calls over lines", path: "App.java", reported: "App.java", encoding: "joined") {
            Data("class App {\n  String t = new StringBuilder(\"\($0.prefix(14))\")\n      .append(\"\($0.dropFirst(14))\").toString();\n}\n".utf8)
        },
        // Escapes escaped again (JSON inside a JSON string; HTML inside XML).
        Attack(name: "doubled backslashes before \\u escapes", path: "cfg.json", reported: "cfg.json", encoding: "unicode-escape") {
            Data("{\"inner\": \"{\\\"k\\\": \\\"\($0.unicodeScalars.map { String(format: "\\\\u%04x", $0.value) }.joined())\\\"}\"}\n".utf8)
        },
        Attack(name: "character references with their & escaped", path: "feed.xml", reported: "feed.xml", encoding: "html-entity") {
            Data("<item><description>\($0.utf8.map { "&amp;#\($0);" }.joined())</description></item>\n".utf8)
        },
        // A token kept in an object's members and put together by code; cut inside its prefix
        // into variables.
        Attack(name: "an object's members joined by code", path: "cfg.js", reported: "cfg.js", encoding: "joined") {
            Data("const c = { a: \"\($0.prefix(12))\", b: \"\($0.dropFirst(12).prefix(12))\", c: \"\($0.dropFirst(24))\" };\nmodule.exports = c.a + c.b + c.c;\n".utf8)
        },
        Attack(name: "Python variables split inside the prefix", path: "settings.py", reported: "settings.py", encoding: "joined") {
            Data("a = \"\($0.prefix(2))\"\nb = \"\($0.dropFirst(2))\"\nVALUE = a + b\n".utf8)
        },
        // Literals a string takes in: one interpolated into an f-string, one filling a `%s`
        // inside the prefix.
        Attack(name: "a literal interpolated into an f-string", path: "conf.py", reported: "conf.py", encoding: "joined") {
            Data("TOKEN = f\"\($0.prefix(10)){'\($0.dropFirst(10).prefix(12))'}\($0.dropFirst(22))\"\n".utf8)
        },
        Attack(name: "a %-format filling the prefix", path: "deploy.py", reported: "deploy.py", encoding: "joined") {
            Data("TOKEN = \"\($0.prefix(2))%s\($0.dropFirst(3))\" % \"\($0.dropFirst(2).prefix(1))\"\n".utf8)
        },
        // A checksummed token needs no word boundary: in a binary a letter or digit often
        // stands right against a string (a type code, a length byte).
        Attack(name: "a binary with letters against the token", path: "blob.bin", reported: "blob.bin") {
            Data([0, 1]) + Data("Z\($0)N".utf8) + Data([0, 2, 0xFF])
        },
        Attack(name: "a compiled Python module's string", path: "m.pyc", reported: "m.pyc") {
            Data([0x6F, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0, 0xE3]) + Data(count: 12) + Data("Z(\($0)N)\u{2}".utf8) + Data([0xDA, 0x01, 0x54])
        },
    ]

    @Test("a hidden token is refused, with nothing secret in any output or record", arguments: attacks)
    func refused(attack: Attack) throws {
        var factory = SecretFactory(seed: 1300 + UInt64(attack.name.utf8.count))
        let token = factory.githubToken()
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        let first = try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        try server.clone.write(Array(attack.path.utf8), try attack.make(token))
        try server.clone.commit("add \(attack.path)")
        let refused = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(server.ref("refs/heads/main") == first, "the ref must not move")
        #expect(!refused.err.contains(token) && !refused.out.contains(token))
        #expect(GateServer.remoteLines(refused).contains { $0.hasPrefix("error: github-pat:") && $0.contains(" \(attack.reported):") },
                "\(GateServer.remoteLines(refused))")
        for file in try FileManager.default.subpathsOfDirectory(atPath: server.bare.path + "/reviewgate/audit") {
            let bytes = FileManager.default.contents(atPath: server.bare.path + "/reviewgate/audit/" + file) ?? Data()
            #expect(bytes.range(of: Data(token.utf8)) == nil, "the audit log must never hold the secret")
        }
        let check = try reviewgate(["check", "HEAD~1..HEAD", "--format", "json"], in: server.clone.url)
        #expect(check.status == 1)
        #expect(!check.out.contains(token) && !check.err.contains(token))
        let doc = try JSONSerialization.jsonObject(with: check.stdout) as? [String: Any]
        let findings = doc?["findings"] as? [[String: Any]] ?? []
        let secret = findings.first { $0["kind"] as? String == "secret" && $0["rule"] as? String == "github-pat" }
        #expect(secret?["path"] as? String == attack.reported)
        #expect(secret?["encoding"] as? String == attack.encoding)
    }

    @Test("innocuous binaries and clean archives land: a PNG, a font-like table, an ELF object, a zip and a tar.gz")
    func innocuousLand() throws {
        let server = try GateServer()
        var rng = SplitMix(seed: 1399)
        let noise = Data((0..<30_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        try server.clone.write(Array("img/logo.png".utf8), Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]) + Data("IHDR".utf8) + noise)
        try server.clone.write(Array("fonts/a.ttf".utf8), Data([0, 1, 0, 0, 0, 0x0C, 0, 0x80]) + Data("cmapglyfheadhheahmtxlocamaxpnamepost".utf8) + noise.prefix(4000))
        let object = FileManager.default.contents(atPath: "/usr/lib/x86_64-linux-gnu/crt1.o")
            ?? FileManager.default.contents(atPath: "/usr/bin/true") ?? Data([0x7F, 0x45, 0x4C, 0x46, 0])
        try server.clone.write(Array("build/crt1.o".utf8), object)
        try server.clone.write(Array("dist/site.zip".utf8), try TestArchive.make(.zipDeflate, Self.member("index.html", "<p>hello</p>\n")))
        try server.clone.write(Array("dist/src.tgz".utf8), try TestArchive.make(.tarGz, Self.member("src/main.c", "int main(void) { return 0; }\n")))
        try server.clone.commit("assets")
        let pushed = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(pushed.status == 0, "\(pushed.err)")
        #expect(GateServer.remoteLines(pushed).last?.hasPrefix("reviewgate: accepted: 0 problems") == true, "\(pushed.err)")
    }

    @Test("what cannot be read in full is refused by default, and passes with a trace under unscannable = \"warning\"")
    func unscannable() throws {
        var factory = SecretFactory(seed: 1398)
        let token = factory.githubToken()
        let large = Data(String(repeating: "filler line\n", count: 1000).utf8) + Data("TOKEN=\(token)\n".utf8)
        let strict = try GateServer(policy: "version = 1\n[secrets]\nmax_file_bytes = 4096\n")
        try strict.clone.write(Array("big.log".utf8), large)
        try strict.clone.commit("large")
        let refused = try strict.push(["origin", "HEAD:refs/heads/topic"])
        #expect(refused.status != 0)
        #expect(!refused.err.contains(token))
        let lines = GateServer.remoteLines(refused)
        #expect(lines.contains { $0.hasPrefix("error: ") && $0.contains("big.log") && $0.contains("max_file_bytes") }, "\(lines)")
        // A zip bomb under the default limits: refused at its expansion ratio, in budget.
        let bombed = try GateServer()
        try bombed.clone.write(Array("bomb.zip".utf8), try TestArchive.zipOfZeros(40 << 20))
        try bombed.clone.commit("bomb")
        let bomb = try bombed.push(["origin", "HEAD:refs/heads/topic"])
        #expect(bomb.status != 0)
        #expect(GateServer.remoteLines(bomb).contains { $0.hasPrefix("error: ") && $0.contains("bomb.zip") && $0.contains("expansion") },
                "\(GateServer.remoteLines(bomb))")

        let lenient = try GateServer(policy: "version = 1\n[secrets]\nmax_file_bytes = 4096\nunscannable = \"warning\"\n")
        try lenient.clone.write(Array("big.log".utf8), large)
        try lenient.clone.commit("large")
        let landed = try lenient.push(["origin", "HEAD:refs/heads/topic"])
        #expect(landed.status == 0, "\(landed.err)")
        #expect(GateServer.remoteLines(landed).contains { $0.hasPrefix("warning: ") && $0.contains("big.log") })
        #expect(try lenient.auditRecords().last.map { "\($0)".contains("too-large") } == true)
    }
}
