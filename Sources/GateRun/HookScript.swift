import Foundation

/// The scripts `install` writes: `hooks/pre-receive` (judges a push) and `hooks/post-receive`
/// (records what landed), with the binary's path filled in, recognised again by their marker
/// lines.
public enum HookScript {
    public static let marker = "ReviewGate pre-receive hook"
    public static let postReceiveMarker = "ReviewGate post-receive hook"
    /// The script's name where a hook manager keeps several (gitolite's repo-specific hooks,
    /// a `pre-receive.d/` or `post-receive.d/`).
    public static let name = "reviewgate"
    /// Where `install` keeps a post-receive hook that was there before; ours runs it after itself.
    public static let chainedPostReceive = "post-receive.chained"

    /// The script of hooks/pre-receive with this binary's absolute path filled in.
    public static func hookScript(binary: String) -> String {
        fill(PackageResources.pre_receive, binary: binary)
    }

    /// The script of hooks/post-receive with this binary's absolute path filled in.
    public static func postReceiveScript(binary: String) -> String {
        fill(PackageResources.post_receive, binary: binary)
    }

    private static func fill(_ resource: [UInt8], binary: String) -> String {
        let template = String(decoding: resource, as: UTF8.self)
        // Single-quoted in the script: a quote in the path is closed, escaped and reopened.
        return template.replacingOccurrences(of: "@REVIEWGATE_BIN@", with: binary.replacingOccurrences(of: "'", with: "'\\''"))
    }

    /// The binary an installed script runs (nil when the script is not ours).
    public static func binary(inScript text: String) -> String? {
        guard text.contains(marker), let line = text.split(separator: "\n").first(where: { $0.hasPrefix("bin=${REVIEWGATE_BIN:-'") }) else {
            return nil
        }
        var value = line.dropFirst("bin=${REVIEWGATE_BIN:-'".count)
        guard value.hasSuffix("'}") else { return nil }
        value = value.dropLast(2)
        return value.replacingOccurrences(of: "'\\''", with: "'")
    }

    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    public static func isOurs(_ path: String, marker: String = HookScript.marker) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }
}
