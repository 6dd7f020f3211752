/// A set of object names as one sorted array: 32 bytes per name, where a `Set` takes two to three
/// times that (hash buckets kept under 75 % full, and twice that while it grows). Verify holds a
/// few of these for every object in the archive; differences and unions are merges.
public struct ObjectIDList: Sendable, Equatable, Sequence {
    /// Sorted, without repeats.
    public private(set) var ids: [ObjectID]

    public init() { ids = [] }

    /// Sorts and removes repeats.
    public init(_ unsorted: some Sequence<ObjectID>) {
        self.init(Array(unsorted))
    }

    /// Sorts and removes repeats in the array's own storage when the caller gives it up
    /// (`ObjectIDList(consume names)`, or a temporary); keeps it as it is, shared, when it is
    /// already in order without repeats (a store's listing is). A million names are 32 MB: a
    /// copy made only to sort is worth avoiding.
    public init(_ names: consuming [ObjectID]) {
        var a = names
        if !a.isStrictlyIncreasing {
            a.sort()
            a.removeAdjacentRepeats { $0 == $1 }
        }
        ids = a
    }

    public var count: Int { ids.count }
    public var isEmpty: Bool { ids.isEmpty }
    public func makeIterator() -> IndexingIterator<[ObjectID]> { ids.makeIterator() }

    public func contains(_ id: ObjectID) -> Bool { ids.sortedContains(id) }

    /// Where `id` stands in `ids`, if it is there.
    public func index(of id: ObjectID) -> Int? { ids.sortedIndex(of: id) }

    /// The names in this list and not in `other`.
    public func subtracting(_ other: ObjectIDList) -> ObjectIDList {
        if other.isEmpty || isEmpty { return self }      // shared, not copied
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
        if other.isEmpty { return self }
        if isEmpty { return other }
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

extension Array where Element: Comparable {
    /// Whether every element is below the next: sorted, without repeats.
    public var isStrictlyIncreasing: Bool {
        withUnsafeBufferPointer { b in
            guard b.count > 1 else { return true }
            for i in 1..<b.count where !(b[i - 1] < b[i]) { return false }
            return true
        }
    }
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
