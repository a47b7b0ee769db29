// Walks every commit reachable from a revision and computes its changes, the work the gate
// does per commit. Prints the counts so the run can be checked against git's own output.
import Dispatch
import Git
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    fputs("usage: walk-changes REPO REVISION [--threads N]\n", stderr)
    exit(2)
}
let threads = arguments.count >= 5 && arguments[3] == "--threads" ? max(1, Int(arguments[4]) ?? 1) : 1

do {
    let repo = try Repository(path: arguments[1])
    let tip = try repo.resolveCommit(arguments[2])
    let commits = try repo.newCommits(tips: [tip], excluding: [])
    if getenv("WALK_ONLY") != nil { print("commits \(commits.count)"); exit(0) }
    // Each worker opens its own repository handle: libgit2 objects are not shared.
    let totals = UnsafeMutablePointer<(merges: Int, ownChanges: Int, nonMergeEntries: Int, failed: Bool)>
        .allocate(capacity: threads)
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
        var merges = 0, own = 0, nonMerge = 0, failed = false
        do {
            let handle = try Repository(path: arguments[1])
            // Contiguous slices: neighbouring commits share most trees, and each worker's
            // object cache then serves them.
            let chunk = (commits.count + threads - 1) / threads
            var i = worker * chunk
            let end = min(commits.count, i + chunk)
            while i < end {
                let links = try handle.commitLinks(commits[i])
                var parentTrees: [ObjectID] = []
                for p in links.parents { parentTrees.append(try handle.commitLinks(p).tree) }
                let changes = try handle.changes(tree: links.tree, parentTrees: parentTrees, detectRenames: false)
                if links.parents.count > 1 { merges += 1; own += changes.count } else { nonMerge += changes.count }
                i += 1
            }
        } catch {
            fputs("walk-changes: \(error)\n", stderr)
            failed = true
        }
        totals[worker] = (merges, own, nonMerge, failed)
    }
    var merges = 0, own = 0, nonMerge = 0
    for w in 0..<threads {
        if totals[w].failed { exit(3) }
        merges += totals[w].merges; own += totals[w].ownChanges; nonMerge += totals[w].nonMergeEntries
    }
    print("commits \(commits.count) merges \(merges) non-merge-raw-entries \(nonMerge) merge-own-changes \(own)")
} catch {
    fputs("walk-changes: \(error)\n", stderr)
    exit(3)
}
