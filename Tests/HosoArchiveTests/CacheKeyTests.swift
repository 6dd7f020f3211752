import Foundation
import Testing
@testable import HosoCatalog
import HosoCore

/// The rerun cache's key: the quick check on bytes must give what resolving the path gives.
@Suite struct CacheKeyTests {
    @Test func quickCheckAgreesWithResolving() {
        let parts = ["a", "b c", ".", "..", "", "hồ sơ", ".x", "..y", "x.", "...", "scan.tif"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let n = Int.random(in: 1...6, using: &rng)
            var path = (0..<n).map { _ in parts.randomElement(using: &rng)! }.joined(separator: "/")
            if Bool.random(using: &rng) { path = "/" + path }
            if Bool.random(using: &rng) { path += "/" }
            let full = path.hasPrefix("/") ? path : Catalog.workingFolder + "/" + path
            let expected = SystemFile.lexicallyResolved(full)
            #expect(Catalog.cacheKey(path) == Data(expected.utf8), "\(path)")
            if Catalog.isNormalAbsolute(full) { #expect(expected == full, "\(full)") }
        }
    }

    @Test func commonPathsTakeTheQuickCheck() {
        #expect(Catalog.isNormalAbsolute("/batch/000.00.20.H50-190103-0001/scans/trang 1.tif"))
        #expect(Catalog.isNormalAbsolute("/lô .x/..y/..."))
        for odd in ["/", "/a/", "/a//b", "/a/./b", "/a/../b", "/a/.", "/a/..", "a/b", ""] {
            #expect(!Catalog.isNormalAbsolute(odd), "\(odd)")
        }
    }
}
