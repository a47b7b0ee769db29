// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ReviewGate",
    // Linux only (Glibc calls, Synchronization's Mutex, Debian's system libraries): no
    // `platforms` entry, since SwiftPM can only list Apple platforms there.
    products: [
        .executable(name: "reviewgate", targets: ["reviewgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
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
            name: "CLibDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(
            name: "CHyperscan",
            pkgConfig: "libhs",
            providers: [.apt(["libhyperscan-dev"])]
        ),
        .systemLibrary(
            name: "CLibArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // System calls Glibc's module leaves out (a header of static inline wrappers, no library).
        .systemLibrary(name: "CSystem"),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // Byte searches in C (AVX2 where the CPU has it): the scanner's run search, the tree
        // walk's run of identical entries.
        .target(name: "CScan"),
        // Hex, base64, RFC 3339 and the clock, atomic file writes, source positions and
        // configuration errors, the approval words policy and signatures share: no dependencies.
        .target(name: "Base"),
        // Packs read directly: index, pack file, inflater, delta codec, object cache, delta
        // forest. The objects directory is passed in; no libgit2, no environment.
        .target(
            name: "GitPack",
            dependencies: ["Base", "CSystem", "CZlib", "CLibDeflate", .product(name: "DequeModule", package: "swift-collections")]
        ),
        // libgit2 in Swift: repositories, objects, history walks and tree changes.
        .target(
            name: "Git",
            dependencies: [
                "Base", "CLibGit2", "CScan", "GitPack",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // Secret rules and the matching engine: bytes and rules, nothing about commits.
        .target(
            name: "Secrets",
            dependencies: ["Base", "CPCRE2", "CHyperscan", "CLibArchive", "CLibDeflate", "CScan", "CSystem", "CZlib", "TOML", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.embedInCode("Resources/secrets.toml")]
        ),
        // TOML with positions, for policy and rule files whose errors name line and column.
        .target(name: "TOML", dependencies: ["Base"]),
        // Policy file, gitignore path patterns, ref patterns and git's trailer rules: no git, no crypto.
        .target(name: "Policy", dependencies: ["Base", "TOML"]),
        // SSH keys and signatures (SSHSIG, allowed_signers, commit signatures, approvals):
        // pure functions over bytes and keys, no git and no files.
        .target(
            name: "Signatures",
            dependencies: [
                "Base",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The engine: commits in, findings out; no command line, no printing.
        .target(name: "Gate", dependencies: ["Base", "CSystem", "Git", "Secrets", "Policy", "Signatures"]),
        // Byte-stable JSON text for reports and the audit log.
        .target(name: "JSON"),
        // The append-only, tamper-evident audit log: frames, hash chain, Merkle tree, checkpoints.
        .target(name: "AuditLog", dependencies: ["Base", "JSON", .product(name: "Crypto", package: "swift-crypto")]),
        // Commit views and report renderers shared by the commands.
        .target(name: "Reports", dependencies: ["AuditLog", "Base", "Git", "Gate", "JSON", .product(name: "Crypto", package: "swift-crypto")]),
        // One run of the gate for all entry points: the policy in force and where it came from,
        // judging a push, a range or a history, break-glass, audit records and state, install.
        // No command line and no printing: everything it decides is testable in-process.
        .target(
            name: "GateRun",
            dependencies: [
                "AuditLog", "Base", "Git", "Gate", "JSON", "Policy", "Reports", "Secrets", "Signatures", "TOML",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("Resources/pre-receive"), .embedInCode("Resources/post-receive")]
        ),
        .executableTarget(
            name: "reviewgate",
            dependencies: [
                "AuditLog", "Base", "GateRun", "Git", "Gate", "JSON", "Policy", "Reports", "Secrets", "Signatures", "TOML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // mimalloc in place of glibc's malloc (it exports malloc and free, and comes before
            // libc in the load order): an audit allocates and frees millions of objects over two
            // threads; with it git.git's audit took 7.8 -> 7.4 s and spring-boot's 8.5 -> 8.1 s
            // (three alternating runs each), the hook's time unchanged.
            linkerSettings: [.linkedLibrary("mimalloc")]
        ),
        // Walks a whole branch and computes every commit's changes (Benchmarks/walk-changes.sh).
        .executableTarget(
            name: "walk-changes",
            dependencies: ["Git"],
            path: "Benchmarks/walk-changes",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Times core-rule matching of 100k paths against a 20-rule policy (Benchmarks/policy-match.sh).
        .executableTarget(
            name: "policy-match",
            dependencies: ["Policy"],
            path: "Benchmarks/policy-match",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Appends N records to a log directory and prints each acknowledged seq (tests, Benchmarks/audit-log.sh).
        .executableTarget(
            name: "log-append",
            dependencies: ["AuditLog", "JSON"],
            path: "Benchmarks/log-append"
        ),
        .target(
            name: "ReviewGateTestSupport",
            dependencies: ["Git"],
            path: "Tests/ReviewGateTestSupport"
        ),
        .testTarget(name: "BaseTests", dependencies: ["Base", "ReviewGateTestSupport"]),
        .testTarget(name: "GitPackTests", dependencies: ["GitPack", "Git", "ReviewGateTestSupport"]),
        .testTarget(name: "GitTests", dependencies: ["Git", "ReviewGateTestSupport", "reviewgate"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "ReviewGateTestSupport"]),
        .testTarget(
            name: "AuditLogTests",
            dependencies: ["AuditLog", "Base", "JSON", "ReviewGateTestSupport", "log-append", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "TOMLTests", dependencies: ["Base", "TOML"]),
        .testTarget(name: "PolicyTests", dependencies: ["Base", "Policy", "TOML", "ReviewGateTestSupport"]),
        .testTarget(
            name: "SignaturesTests",
            dependencies: [
                "Signatures", "Git", "ReviewGateTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "SecretsTests", dependencies: ["Base", "Secrets", "TOML", "ReviewGateTestSupport"]),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Gate", "JSON", "ReviewGateTestSupport"],
            exclude: ["Snapshots", "Resources"]
        ),
        .testTarget(name: "GateTests", dependencies: ["Base", "CSystem", "Gate", "Git", "Secrets", "ReviewGateTestSupport"]),
        .testTarget(name: "GateRunTests", dependencies: ["GateRun", "Gate", "Git", "JSON", "Reports", "ReviewGateTestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["AuditLog", "Base", "JSON", "ReviewGateTestSupport", "reviewgate", "Signatures"],
            exclude: ["Snapshots"]
        ),
        // Real git servers on 127.0.0.1 (sshd + gitolite3, nginx + fcgiwrap + git http-backend,
        // git daemon): needs root and the Debian packages in the Makefile's DEB_PACKAGES.
        .testTarget(name: "ServerTests", dependencies: ["JSON", "ReviewGateTestSupport", "reviewgate"]),
    ],
    swiftLanguageModes: [.v6]
)
