// What the pack reader (GitPack) offers through a repository handle: its objects in pack
// order, and blobs grouped and rebuilt along the packs' delta chains.
@_exported import class GitPack.DeltaForest
@_exported import struct GitPack.DeltaPlanner
@_exported import struct GitPack.DeltaVisit
import GitPack

extension Repository {
    /// `ids` in the order their objects sit in the repository's pack files (loose objects and
    /// ids found in no pack last, in the order given); see `PackStore.packOrder`.
    public func packOrder(_ ids: [ObjectID]) -> [ObjectID] {
        packStore.packOrder(ids)
    }

    /// Groups `ids` (blobs) by the delta chains of the packs that hold them.
    public func deltaForest(_ ids: [ObjectID]) -> DeltaForest {
        var planner = deltaPlanner()
        planner.add(ids)
        return planner.forest()
    }

    /// A planner to build a `DeltaForest` a batch of blobs at a time, while they are found.
    public func deltaPlanner() -> DeltaPlanner {
        packStore.deltaPlanner()
    }

    /// Reconstructs every object of tree `tree` of `forest` once, parents before children,
    /// and calls `visit` for each. An asked-for object larger than `sizeLimit` with nothing
    /// built on it is visited without bytes. Returns the asked-for objects it left to be read
    /// one by one (a chain too large to hold in memory).
    public func walk<State>(_ forest: DeltaForest, tree: Int, sizeLimit: Int,
                            _ visit: (DeltaVisit<State>) -> State) throws(GitError) -> [ObjectID] {
        do {
            return try packStore.walk(forest, tree: tree, sizeLimit: sizeLimit, visit)
        } catch {
            throw GitError(kind: .other, message: "a pack is damaged: \(error.message)")
        }
    }
}
