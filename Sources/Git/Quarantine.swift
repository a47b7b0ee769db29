// What a push brings, read from its quarantine: the objects git received and has not yet
// moved into the repository. Listing them costs what the push holds, whatever the server
// holds; walking history against every existing ref cost what the server holds.
import GitPack
#if canImport(Glibc)
import Glibc
#endif

/// The objects of a push quarantine, by type, each list sorted by id. These are the objects
/// the push brings: every commit, tree, blob and tag in its packs (including the few bases a
/// thin pack was completed with, which the server may already have) and loose objects,
/// whether or not a pushed ref reaches them (the server keeps them all once the push lands).
public struct NewObjects: Sendable, Equatable {
    public var commits: [ObjectID] = []
    public var trees: [ObjectID] = []
    public var blobs: [ObjectID] = []
    public var tags: [ObjectID] = []

    public init() {}

    public var count: Int { commits.count + trees.count + blobs.count + tags.count }

    mutating func add(_ id: ObjectID, _ type: ObjectType) {
        switch type {
        case .commit: commits.append(id)
        case .tree: trees.append(id)
        case .blob: blobs.append(id)
        case .tag: tags.append(id)
        case .other: break
        }
    }
}

extension Repository {
    /// The objects in this hook's push quarantine (`quarantineDirectory`), or nil when there is
    /// none (not a pre-receive hook, or git older than 2.11): the caller then works out what is
    /// new by excluding what the existing refs reach. Each object is listed once (a duplicate
    /// loose and packed copy, or one in two packs). A pack entry or loose object that cannot be
    /// read is an error: nothing unreadable passes.
    public func quarantineObjects() throws(GitError) -> NewObjects? {
        guard let quarantine = quarantineDirectory else { return nil }
        var seen = Set<ObjectID>()
        var objects = NewObjects()
        let packed: [(id: ObjectID, type: ObjectType?)]
        do {
            packed = try PackStore.objects(inPackDirectory: quarantine + "pack")
        } catch {
            throw GitError(kind: .other, message: "a pack of the push is damaged: \(error.message)")
        }
        seen.reserveCapacity(packed.count)
        for (id, type) in packed where seen.insert(id).inserted {
            if let type { objects.add(id, type) } else { objects.add(id, try header(id).type) }
        }
        for id in try Self.looseObjects(in: quarantine) where seen.insert(id).inserted {
            objects.add(id, try header(id).type)
        }
        objects.commits.sort()
        objects.trees.sort()
        objects.blobs.sort()
        objects.tags.sort()
        return objects
    }

    /// The ids of the loose objects in an objects directory (`xx/` directories of 38-digit
    /// names). An objects directory that cannot be listed is an error; git's own files
    /// (`pack/`, `info/`, temporary files) are passed over.
    static func looseObjects(in directory: String) throws(GitError) -> [ObjectID] {
        guard let top = opendir(directory) else {
            throw GitError(kind: .other, message: "cannot list the push quarantine \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(top) }
        var ids: [ObjectID] = []
        while let entry = readdir(top) {
            let fan = Self.name(entry)
            guard fan.utf8.count == 2, fan.utf8.allSatisfy(\.isHexDigit) else { continue }
            guard let sub = opendir(directory + fan) else {
                throw GitError(kind: .other, message: "cannot list \(directory + fan): \(String(cString: strerror(errno)))")
            }
            defer { closedir(sub) }
            while let object = readdir(sub) {
                let rest = Self.name(object)
                guard rest.utf8.count == 38, let id = ObjectID(hex: fan + rest) else { continue }
                ids.append(id)
            }
        }
        return ids
    }

    private static func name(_ entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (48...57).contains(self) || (97...102).contains(self) || (65...70).contains(self)
    }
}
