#!/usr/bin/env python3
"""SQLite FTS5 and Tantivy on the same records and queries as hoso, in process.

    python3 peers.py build fts5|tantivy RECORDS DIR       build an index; prints JSON (seconds, docs/s)
    python3 peers.py query fts5|tantivy DIR QUERIES [N]   warm latencies and top-10 results (JSON)

FTS5: `unicode61 remove_diacritics 2` (folds tones and vowel marks, not đ), bm25() with the same
field weights as hoso. Tantivy (PyPI `tantivy`): a simple tokenizer with lowercasing and ASCII
folding (so unaccented queries match), BM25, the same boosts; words required (+word).
"""
import json, os, sqlite3, sys, time

FIELDS = ["title", "applicant", "procedure", "agency", "place", "other"]
BOOSTS = {"title": 3.0, "applicant": 3.0, "procedure": 2.5, "agency": 1.5, "place": 1.5, "other": 1.0}

def load(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]

# ---------------------------------------------------------------- FTS5
def fts5_build(records, d):
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "fts5.sqlite")
    if os.path.exists(path): os.remove(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF"); db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(number UNINDEXED, " + ", ".join(FIELDS) +
               ", codes, cccd, tokenize = 'unicode61 remove_diacritics 2')")
    t0 = time.perf_counter()
    with db:
        db.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?)",
                       ((r["number"], r["title"], r["applicant"], r["procedure"], r["agency"], r["place"], r["other"],
                         " ".join(r["codes"]), r.get("cccd") or "") for r in records))
    db.execute("INSERT INTO t(t) VALUES('optimize')")
    db.commit()
    return time.perf_counter() - t0

def fts5_query_text(q):
    if q["code"]: return 'codes:"%s"' % q["code"]
    if q["cccd"]: return 'cccd:"%s"' % q["cccd"]
    if q["phrase"]: return '"' + " ".join(w.replace('"', '') for w in q["words"]) + '"'
    return " ".join('"%s"' % w.replace('"', '') for w in q["words"])

def fts5_searcher(d):
    db = sqlite3.connect(os.path.join(d, "fts5.sqlite"))
    weights = ", ".join(["0"] + [str(BOOSTS[f]) for f in FIELDS] + ["1", "1"])
    def run(q):
        m = fts5_query_text(q)
        top = [r[0] for r in db.execute(f"SELECT number FROM t WHERE t MATCH ? ORDER BY bm25(t, {weights}) LIMIT 10", (m,))]
        total = db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (m,)).fetchone()[0]
        return top, total
    return run

# ---------------------------------------------------------------- Tantivy
def tantivy_schema():
    import tantivy
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("number", stored=True, tokenizer_name="raw")
    for f in FIELDS:
        sb.add_text_field(f, stored=False, tokenizer_name="vi_fold")
    sb.add_text_field("codes", stored=False, tokenizer_name="raw")
    sb.add_text_field("cccd", stored=False, tokenizer_name="raw")
    return sb.build()

def tantivy_index(d, create):
    import tantivy
    schema = tantivy_schema()
    index = tantivy.Index(schema, path=d) if not create else tantivy.Index(schema, path=d, reuse=False)
    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())
    index.register_tokenizer("vi_fold", analyzer)
    return index

def tantivy_build(records, d):
    import tantivy
    os.makedirs(d, exist_ok=True)
    index = tantivy_index(d, True)
    t0 = time.perf_counter()
    w = index.writer(heap_size=256 * 1024 * 1024)
    for r in records:
        doc = {"number": r["number"], "codes": r["codes"], "cccd": r.get("cccd") or ""}
        for f in FIELDS: doc[f] = r[f]
        w.add_document(tantivy.Document(**doc))
    w.commit()
    w.wait_merging_threads()
    return time.perf_counter() - t0

def tantivy_searcher(d):
    import tantivy
    index = tantivy_index(d, False)
    index.reload()
    searcher = index.searcher()
    def esc(w):
        return "".join("\\" + c if c in '+-&|!(){}[]^"~*?:\\/ ' else c for c in w)
    def run(q):
        if q["code"]: text = 'codes:"%s"' % q["code"]
        elif q["cccd"]: text = 'cccd:"%s"' % q["cccd"]
        elif q["phrase"]: text = '"' + " ".join(q["words"]) + '"'
        else: text = " ".join("+" + esc(w) for w in q["words"])
        query = index.parse_query(text, FIELDS, field_boosts=BOOSTS)
        res = searcher.search(query, limit=10, count=True)
        top = [searcher.doc(a)["number"][0] for _, a in res.hits]
        return top, res.count
    return run

def main():
    op, engine = sys.argv[1], sys.argv[2]
    if op == "build":
        records = load(sys.argv[3])
        secs = (fts5_build if engine == "fts5" else tantivy_build)(records, sys.argv[4])
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(sys.argv[4]) for f in fs)
        print(json.dumps({"docs": len(records), "seconds": round(secs, 3), "docsPerSecond": round(len(records) / secs), "indexBytes": size}))
        return
    d, qpath = sys.argv[3], sys.argv[4]
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    t0 = time.perf_counter()
    run = (fts5_searcher if engine == "fts5" else tantivy_searcher)(d)
    open_ms = (time.perf_counter() - t0) * 1000
    queries = load(qpath)
    results, totals = [], []
    for q in queries:
        top, total = run(q)
        results.append(top); totals.append(total)
    lat = []
    for _ in range(repeats):
        for q in queries:
            s = time.perf_counter(); run(q); lat.append((time.perf_counter() - s) * 1000)
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    print(json.dumps({"openMs": open_ms, "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "mean": sum(lat) / len(lat),
                      "queries": len(queries), "results": results, "totals": totals}))

main()
