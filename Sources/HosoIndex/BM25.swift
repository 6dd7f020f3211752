import Foundation

/// BM25 as pure functions (Robertson and Zaragoza; the variant of Lucene and tantivy).
public enum BM25 {
    public static let k1 = 1.2
    public static let b = 0.75

    /// Inverse document frequency: ln(1 + (N − n + 0.5) / (n + 0.5)).
    @inline(__always)
    public static func idf(docs n: Int, total N: Int) -> Double {
        log(1 + (Double(N) - Double(n) + 0.5) / (Double(n) + 0.5))
    }

    /// The term-frequency part for a field of `length` tokens, average `averageLength`.
    @inline(__always)
    public static func tf(_ tf: Int, length: Int, averageLength: Double) -> Double {
        let t = Double(tf)
        let norm = averageLength > 0 ? Double(length) / averageLength : 1
        return t * (k1 + 1) / (t + k1 * (1 - b + b * norm))
    }

    /// idf × tf part.
    @inline(__always)
    public static func score(tf: Int, length: Int, averageLength: Double, docs n: Int, total N: Int) -> Double {
        idf(docs: n, total: N) * Self.tf(tf, length: length, averageLength: averageLength)
    }
}
