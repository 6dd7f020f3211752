#!/usr/bin/env python3
"""Known-item quality from the query set and each engine's top 10: success@1 and MRR@10, for
queries with diacritics and without, separately; plus latency figures side by side.

    python3 quality.py QUERIES hoso.json fts5.json tantivy.json [--records RECORDS]

With --records (the records the queries were drawn from), it also says how many known items
share their query's text with other dossiers (a title that ten dossiers carry word for word does
not tell them apart), and gives MRR@10 over the items whose text is theirs alone. The headline
figures above it count every item, as before.
"""
import json, sys

args = sys.argv[1:]
records_path = None
if "--records" in args:
    i = args.index("--records")
    records_path = args[i + 1]
    del args[i:i + 2]
queries = [json.loads(l) for l in open(args[0], encoding="utf-8")]
engines = {}
for path in args[1:]:
    name = path.split("/")[-1].rsplit(".", 1)[0]
    engines[name] = json.load(open(path))

print("| engine | p50 ms | p95 ms | p99 ms | success@1 accented | MRR@10 accented | success@1 unaccented | MRR@10 unaccented |")
print("|---|---|---|---|---|---|---|---|")
for name, r in engines.items():
    stats = {}
    for accented in (True, False):
        s1 = mrr = n = 0
        for q, top in zip(queries, r["results"]):
            if not q["target"] or q["kind"] not in ("name+place", "title") or q["accented"] != accented:
                continue
            n += 1
            if top and top[0] == q["target"]: s1 += 1
            if q["target"] in top[:10]: mrr += 1 / (top.index(q["target"]) + 1)
        stats[accented] = (s1 / n if n else 0, mrr / n if n else 0)
    print(f"| {name} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {stats[True][0]:.3f} | {stats[True][1]:.3f} | {stats[False][0]:.3f} | {stats[False][1]:.3f} |")
kinds = sorted(set(q["kind"] for q in queries))
print()
print("queries by kind: " + ", ".join(f"{k} {sum(1 for q in queries if q['kind'] == k)}" for k in kinds) + f" (total {len(queries)})")
# Exact-value look-ups: the code must come first, the citizen ID's dossiers must all be found.
for name, r in engines.items():
    code_ok = sum(1 for q, top in zip(queries, r["results"]) if q["kind"] == "code" and top and top[0] == q["target"])
    codes = sum(1 for q in queries if q["kind"] == "code")
    zero = sum(1 for q, t in zip(queries, r["totals"]) if t == 0)
    print(f"{name}: dossier numbers found first {code_ok}/{codes}; queries with no result {zero}/{len(queries)}")
# The same known item asked with and without diacritics: where do the two ranks differ? (A query
# typed without diacritics says less: Thuy stands for Thúy, Thủy, Thùy… alike.)
print()
for name, r in engines.items():
    ranks = {}
    for q, top in zip(queries, r["results"]):
        if q["target"] and q["kind"] in ("name+place", "title"):
            rank = top.index(q["target"]) + 1 if q["target"] in top[:10] else None
            ranks.setdefault((q["kind"], q["target"]), {})[q["accented"]] = rank
    pairs = [v for v in ranks.values() if len(v) == 2]
    def worse(a, b): return (a or 99) > (b or 99)
    lower = sum(1 for v in pairs if worse(v[False], v[True]))
    higher = sum(1 for v in pairs if worse(v[True], v[False]))
    print(f"{name}: of {len(pairs)} items asked both ways, the unaccented query ranks the item lower in {lower}, "
          f"higher in {higher}, the same in {len(pairs) - lower - higher}")

# Known items whose query text other dossiers carry too: their rank among those is decided by
# words the query does not hold, not by how the query was typed.
if records_path:
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from make_queries import words
    def text(kind, r):
        if kind == "title":
            return tuple(words(r["title"]))
        place = r["place"].split(",")[1] if "," in r["place"] else r["place"]
        return tuple(words(r["applicant"]) + words(place))
    items = {q["target"]: q["kind"] for q in queries if q["target"] and q["kind"] in ("name+place", "title")}
    wanted = {(k, tuple(q["words"])) for q in queries if q["target"] and q["accented"] and q["kind"] in ("name+place", "title") for k in [q["kind"]]}
    carriers = {}
    for line in open(records_path, encoding="utf-8"):
        r = json.loads(line)
        for kind in ("title", "name+place"):
            key = (kind, text(kind, r))
            if key in wanted:
                carriers[key] = carriers.get(key, 0) + 1
    shared = set()
    for q in queries:
        if q["target"] and q["accented"] and q["kind"] in ("name+place", "title") and carriers.get((q["kind"], tuple(q["words"])), 0) > 1:
            shared.add((q["kind"], q["target"]))
    print()
    print(f"known items whose query text other dossiers carry word for word: {len(shared)} of {len(items)}")
    for name, r in engines.items():
        figures = []
        for accented in (True, False):
            mrr = n = 0
            for q, top in zip(queries, r["results"]):
                if not q["target"] or q["kind"] not in ("name+place", "title") or q["accented"] != accented or (q["kind"], q["target"]) in shared:
                    continue
                n += 1
                if q["target"] in top[:10]: mrr += 1 / (top.index(q["target"]) + 1)
            figures.append(mrr / n if n else 0)
        ranks = {}
        for q, top in zip(queries, r["results"]):
            if q["target"] and q["kind"] in ("name+place", "title"):
                ranks.setdefault((q["kind"], q["target"]), {})[q["accented"]] = top.index(q["target"]) + 1 if q["target"] in top[:10] else None
        moved = [k for k, v in ranks.items() if len(v) == 2 and (v[True] or 99) != (v[False] or 99)]
        print(f"{name}: MRR@10 over the other items, accented {figures[0]:.3f}, unaccented {figures[1]:.3f}; "
              f"of the items ranked differently both ways, {sum(1 for k in moved if k in shared)} of {len(moved)} share their text")
