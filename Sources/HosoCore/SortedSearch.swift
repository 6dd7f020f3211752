extension RandomAccessCollection {
    /// In a collection sorted by `keyOf`, the index of the first element whose key is not below
    /// `key` (`endIndex` when there is none): a binary search.
    @inlinable
    public func sortedLowerBound<Key: Comparable>(_ key: Key, by keyOf: (Element) -> Key) -> Index {
        var low = startIndex
        var n = count
        while n > 0 {
            let half = n / 2
            let mid = index(low, offsetBy: half)
            if keyOf(self[mid]) < key {
                low = index(after: mid)
                n -= half + 1
            } else {
                n = half
            }
        }
        return low
    }
}

extension RandomAccessCollection where Element: Comparable {
    /// Where a sorted collection holds `element`, if it does.
    @inlinable
    public func sortedIndex(of element: Element) -> Index? {
        let i = sortedLowerBound(element) { $0 }
        return i != endIndex && self[i] == element ? i : nil
    }

    /// Whether a sorted collection holds `element`.
    @inlinable
    public func sortedContains(_ element: Element) -> Bool { sortedIndex(of: element) != nil }
}
