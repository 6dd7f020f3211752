/// A set of object names as one sorted array: 32 bytes per name, where a `Set` takes two to three
/// times that (hash buckets kept under 75 % full, and twice that while it grows). Verify holds a
/// few of these for every object in the archive; differences and unions are merges.
public struct ObjectIDList: Sendable, Equatable, Sequence {
    /// Sorted, without repeats.
    public private(set) var ids: [ObjectID]

    public init() { ids = [] }

    /// Sorts and removes repeats.
    public init(_ unsorted: some Sequence<ObjectID>) {
        var a = Array(unsorted)
        a.sort()
        a.removeAdjacentRepeats { $0 == $1 }
        ids = a
    }

    public var count: Int { ids.count }
    public var isEmpty: Bool { ids.isEmpty }
    public func makeIterator() -> IndexingIterator<[ObjectID]> { ids.makeIterator() }

    public func contains(_ id: ObjectID) -> Bool { ids.sortedContains(id) }

    /// The names in this list and not in `other`.
    public func subtracting(_ other: ObjectIDList) -> ObjectIDList {
        var out: [ObjectID] = []
        var j = 0
        for id in ids {
            while j < other.ids.count && other.ids[j] < id { j += 1 }
            if j < other.ids.count && other.ids[j] == id { continue }
            out.append(id)
        }
        return ObjectIDList(sortedUnique: out)
    }

    /// The names in either list.
    public func union(_ other: ObjectIDList) -> ObjectIDList {
        var out: [ObjectID] = []
        out.reserveCapacity(ids.count + other.ids.count)
        var i = 0, j = 0
        while i < ids.count || j < other.ids.count {
            if j == other.ids.count || (i < ids.count && ids[i] < other.ids[j]) { out.append(ids[i]); i += 1 }
            else if i == ids.count || other.ids[j] < ids[i] { out.append(other.ids[j]); j += 1 }
            else { out.append(ids[i]); i += 1; j += 1 }
        }
        return ObjectIDList(sortedUnique: out)
    }

    private init(sortedUnique: [ObjectID]) { ids = sortedUnique }
}

extension Array {
    /// Keeps the first of each run of neighbours that `same` says are repeats (on a sorted
    /// array: one of each value), in place.
    public mutating func removeAdjacentRepeats(by same: (Element, Element) -> Bool) {
        var w = 0
        for r in indices where w == 0 || !same(self[r], self[w - 1]) {
            self[w] = self[r]; w += 1
        }
        removeLast(count - w)
    }
}
