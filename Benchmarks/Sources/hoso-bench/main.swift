// hoso-bench: in-process measurements for Benchmarks/bench-search.sh.
//
//   hoso-bench export-records ARCHIVE            index documents as JSON lines (for the peers)
//   hoso-bench index-build RECORDS OUT           build an index from JSON lines; prints docs/s
//   hoso-bench index-replay RECORDS OUT BATCH [HEAD SEQ]  add them BATCH at a time (merges as ingests do); prints the segments
//   hoso-bench search-latency INDEX QUERIES      runs each query (warm), prints latencies and top 10
import Foundation
import HosoArchive
import HosoCore
import HosoIndex

BenchMain.run(Array(CommandLine.arguments.dropFirst()))
