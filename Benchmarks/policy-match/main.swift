// Times core-rule matching: every path of a large commit against a 20-rule policy
// (Benchmarks/policy-match.sh). Paths come from a file (one per line) or are synthesized.
import Foundation
import Policy

let arguments = CommandLine.arguments
var paths: [[UInt8]] = []
if let file = arguments.dropFirst().first(where: { !$0.hasPrefix("--") }) {
    let data = try Data(contentsOf: URL(fileURLWithPath: file))
    paths = Array(data).split(separator: 0x0A).map(Array.init)
} else {
    // 100k paths in a plausible tree: a few top directories, nested modules, many files.
    let tops = ["src", "lib", "docs", "tests", "db", "hooks", "tools", "vendor", ".github", "web"]
    let exts = ["swift", "c", "h", "sql", "md", "json", "yml", "py", "go", "toml"]
    var i = 0
    while paths.count < 100_000 {
        let depth = 1 + i % 5
        var parts = [tops[i % tops.count]]
        for d in 0..<depth { parts.append("m\((i / (d + 3)) % 37)") }
        parts.append("file\(i).\(exts[(i / 3) % exts.count])")
        paths.append(Array(parts.joined(separator: "/").utf8))
        i += 1
    }
}

var toml = "version = 1\n[[people]]\nid = \"a\"\ngroups = [\"senior\"]\n"
let rulePaths: [[String]] = [
    [".reviewgate/policy.toml", "hooks/"], ["src/payments/", "db/migrations/**/*.sql"], ["*.pem", "*.key"],
    ["/src/m1/"], ["src/**/auth/**", "!src/**/auth/**/*.md"], ["**/secrets/**"], ["lib/crypto/*.c", "lib/crypto/*.h"],
    ["/Makefile", "/Package.swift", "/Package.resolved"], [".github/workflows/"], ["docs/security/**"],
    ["vendor/", "!vendor/README.md"], ["tools/release*"], ["src/m3*/m1[0-9]/"], ["*.sql", "!tests/**"],
    ["web/m2/**/*.json"], ["src/*/m5/"], ["db/**/m7/"], ["config/prod/**"], ["**/Dockerfile"], ["tests/m1/fixtures/"],
]
for (n, list) in rulePaths.enumerated() {
    toml += "[[core]]\nname = \"r\(n)\"\nfrom = [\"senior\"]\npaths = [\(list.map { "'\($0)'" }.joined(separator: ", "))]\n"
}
let policy = try Policy.load(toml, file: "bench.toml")

// Paths as a tree diff lists them.
paths.sort { $0.lexicographicallyPrecedes($1) }
let useMatcher = !arguments.contains("--stateless")

func run() -> (Int, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    var touched = 0
    if useMatcher {
        var matcher = CoreRuleMatcher(policy: policy)
        for path in paths { touched += matcher.rules(touching: path).count }
    } else {
        for path in paths {
            for rule in policy.core where rule.touches(path) { touched += 1 }
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (touched, seconds)
}
_ = run()
var best = Double.infinity
var touched = 0
for _ in 0..<5 {
    let (t, s) = run()
    touched = t
    best = min(best, s)
}
print("\(useMatcher ? "CoreRuleMatcher" : "CoreRule.touches"): paths \(paths.count), rules \(policy.core.count), matches \(touched), best of 5: \(String(format: "%.1f", best * 1000)) ms (\(String(format: "%.0f", best * 1e9 / Double(paths.count))) ns/path)")
