// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ReviewGate",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "reviewgate", targets: ["reviewgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CHyperscan",
            pkgConfig: "libhs",
            providers: [.apt(["libhyperscan-dev"])]
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // libgit2 in Swift: repositories, objects, history walks and tree changes.
        .target(name: "Git", dependencies: ["CLibGit2", "CZlib"]),
        // Secret rules and the matching engine: bytes and rules, nothing about commits.
        .target(
            name: "Secrets",
            dependencies: ["CPCRE2", "CHyperscan", "TOML", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.embedInCode("Resources/secrets.toml")]
        ),
        // TOML with positions, for policy and rule files whose errors name line and column.
        .target(name: "TOML"),
        // The engine: commits in, findings out; no command line, no printing.
        .target(name: "Gate", dependencies: ["Git", "Secrets"]),
        // Byte-stable JSON text for reports and the audit log.
        .target(name: "JSON"),
        // Commit views and report renderers shared by the commands.
        .target(name: "Reports", dependencies: ["Git", "Gate", "JSON", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "reviewgate",
            dependencies: [
                "Git", "Gate", "Reports", "Secrets", "TOML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("Resources/pre-receive")]
        ),
        // Walks a whole branch and computes every commit's changes (Benchmarks/walk-changes.sh).
        .executableTarget(
            name: "walk-changes",
            dependencies: ["Git"],
            path: "Benchmarks/walk-changes",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .target(
            name: "ReviewGateTestSupport",
            dependencies: ["Git"],
            path: "Tests/ReviewGateTestSupport"
        ),
        .testTarget(name: "GitTests", dependencies: ["Git", "ReviewGateTestSupport", "reviewgate"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "TOML", "ReviewGateTestSupport"]),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Gate", "JSON", "ReviewGateTestSupport"],
            exclude: ["Snapshots", "Resources"]
        ),
        .testTarget(name: "GateTests", dependencies: ["Gate", "Git", "Secrets", "ReviewGateTestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ReviewGateTestSupport", "reviewgate"],
            exclude: ["Snapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
