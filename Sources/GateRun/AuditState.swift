#if canImport(Glibc)
import Base
import Glibc
#endif
import Foundation
import Gate
import Git
import JSON
import Reports

/// What an audit has examined: the ref tips walked, the tags read, and what was found (so a
/// later run reports it again without scanning it again). JSON, one document.
public struct AuditState {
    public var tips: Set<ObjectID> = []
    public var tags: Set<ObjectID> = []
    public var findings: [Finding] = []

    public init(tips: Set<ObjectID> = [], tags: Set<ObjectID> = [], findings: [Finding] = []) {
        self.tips = tips
        self.tags = tags
        self.findings = findings
    }

    public static func load(_ path: String) throws(Failure) -> AuditState {
        guard FileManager.default.fileExists(atPath: path) else { return AuditState() }
        guard let data = FileManager.default.contents(atPath: path), let doc = try? JSONParser.parse(Array(data)),
              doc["version"] == .int(1) else {
            throw Failure(.usage, "\(path) is not a reviewgate audit state file")
        }
        func ids(_ key: String) -> Set<ObjectID> {
            guard case let .array(items)? = doc[key] else { return [] }
            return Set(items.compactMap { if case let .string(hex) = $0 { ObjectID(hex: hex) } else { nil } })
        }
        var state = AuditState(tips: ids("tips"), tags: ids("tags"))
        if case let .array(items)? = doc["findings"] {
            state.findings = items.compactMap(VerdictReport.finding(fromJSON:))
        }
        return state
    }

    public func save(to path: String) throws(Failure) {
        let doc: JSONValue = .object([
            ("version", 1),
            ("tips", .array(tips.sorted().map { .string($0.hex) })),
            ("tags", .array(tags.sorted().map { .string($0.hex) })),
            ("findings", .array(findings.map(VerdictReport.findingJSON))),
        ])
        do { try AtomicFile.write(path, Array((doc.serialized() + "\n").utf8)) } catch {
            throw Failure(.runtime, "cannot write the audit state: \(error)")
        }
    }
}

