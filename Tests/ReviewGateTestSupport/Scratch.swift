// Scratch repositories made with real git in temporary directories, and a runner for real
// commands (git, the built reviewgate binary). No mocks: tests see what users see.
import Foundation
import Synchronization

/// The result of running a command to completion.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data

    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }
}

public struct CommandError: Error, CustomStringConvertible {
    public var command: [String]
    public var result: CommandResult
    public var description: String {
        "\(command.joined(separator: " ")) exited \(result.status): \(result.err)"
    }
}

/// Runs `arguments[0]` (looked up on PATH) with the given environment additions.
@discardableResult
public func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
                input: Data? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("GIT_") { env[key] = nil }
    env.merge(Scratch.gitEnvironment) { _, new in new }
    env.merge(environment) { _, new in new }
    process.environment = env
    // Output goes to files, so a chatty child can never block on a full pipe.
    let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("rg-out-\(UUID().uuidString)")
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("rg-err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    process.standardOutput = outHandle
    process.standardError = errHandle
    let inPipe = Pipe()
    process.standardInput = inPipe
    // A child that exits before reading all its input (ssh-keygen refusing a signature
    // early) must not kill the test process with SIGPIPE.
    _ = ignoreBrokenPipes
    try process.run()
    if let input { try? inPipe.fileHandleForWriting.write(contentsOf: input) }
    try? inPipe.fileHandleForWriting.close()
    process.waitUntilExit()
    try? outHandle.close()
    try? errHandle.close()
    return CommandResult(status: process.terminationStatus,
                         stdout: (try? Data(contentsOf: outURL)) ?? Data(),
                         stderr: (try? Data(contentsOf: errURL)) ?? Data())
}

private let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

/// Every scratch directory made in this process: a whole suite run made thousands, and left
/// them all in /tmp.
private let scratchDirectories = Mutex<[String]>([])

private let removeAtExit: Void = {
    atexit {
        guard ProcessInfo.processInfo.environment["REVIEWGATE_KEEP_SCRATCH"] == nil else { return }
        for path in scratchDirectories.withLock({ $0 }) {
            if (try? FileManager.default.removeItem(atPath: path)) != nil { continue }
            // A test may have left a directory unreadable or unwritable on purpose.
            _ = try? run(["chmod", "-R", "u+rwx", path])
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}()

public enum Scratch {
    /// Fixed identities and no user or system configuration, so every test sees the same git.
    public static let gitEnvironment: [String: String] = [
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_AUTHOR_NAME": "Ada Author",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Cy Committer",
        "GIT_COMMITTER_EMAIL": "cy@example.com",
        "GIT_AUTHOR_DATE": "1700000000 +0100",
        "GIT_COMMITTER_DATE": "1700000000 +0100",
        "LC_ALL": "C",
    ]

    /// A new empty directory under the system's temporary directory, removed when the test
    /// process exits (set `REVIEWGATE_KEEP_SCRATCH=1` to keep them for a look afterwards).
    public static func directory(_ label: String = "rg") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        _ = removeAtExit
        scratchDirectories.withLock { $0.append(url.path) }
        return url
    }

    /// The package's root directory (where Package.swift is).
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }

    /// The built `reviewgate` binary: `REVIEWGATE_BIN`, else beside the test bundle.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["REVIEWGATE_BIN"] { return path }
        var dir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                      ?? CommandLine.arguments[0])
        while dir.path != "/" {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("reviewgate").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/reviewgate").path
    }
}

/// A work-tree repository in a temporary directory, driven with real git.
public final class ScratchRepository: @unchecked Sendable {
    public let url: URL
    private var tick = 0
    private let owned: Bool

    public var path: String { url.path }

    public init(bare: Bool = false, label: String = "repo") throws {
        url = try Scratch.directory(label)
        owned = true
        try git(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []))
    }

    /// An existing repository, used read-only and never deleted.
    public init(wrapping url: URL) throws {
        self.url = url
        owned = false
    }

    deinit { if owned { try? FileManager.default.removeItem(at: url) } }

    /// Runs git in this repository; throws when it fails.
    @discardableResult
    public func git(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> CommandResult {
        var env = environment
        // Each commit one second after the last, so order by date is stable and ids repeatable.
        tick += 1
        let stamp = "\(1_700_000_000 + tick) +0100"
        env["GIT_AUTHOR_DATE"] = env["GIT_AUTHOR_DATE"] ?? stamp
        env["GIT_COMMITTER_DATE"] = env["GIT_COMMITTER_DATE"] ?? stamp
        let result = try run(["git"] + arguments, in: url, environment: env, input: input)
        guard result.status == 0 else { throw CommandError(command: ["git"] + arguments, result: result) }
        return result
    }

    public func gitOutput(_ arguments: [String]) throws -> String {
        try git(arguments).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes a file (parent directories made), from text or raw bytes.
    public func write(_ path: String, _ text: String) throws { try write(Array(path.utf8), Data(text.utf8)) }

    public func write(_ path: [UInt8], _ data: Data) throws {
        let full = Array(url.path.utf8) + [UInt8(ascii: "/")] + path
        let parent = full[..<(full.lastIndex(of: UInt8(ascii: "/"))!)]
        try FileManager.default.createDirectory(atPath: String(decoding: parent, as: UTF8.self), withIntermediateDirectories: true)
        // Paths may hold bytes that are not UTF-8: go through the C API with the raw bytes.
        let fd = (full + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        _ = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
    }

    public func remove(_ path: String) throws { try git(["rm", "-rq", "--", path]) }

    /// Stages everything and commits; returns the new commit id.
    @discardableResult
    public func commit(_ message: String = "change", allowEmpty: Bool = false, environment: [String: String] = [:]) throws -> String {
        try git(["add", "-A"])
        try git(["commit", "-q", "--no-verify", "-m", message] + (allowEmpty ? ["--allow-empty"] : []), environment: environment)
        return try gitOutput(["rev-parse", "HEAD"])
    }
}
