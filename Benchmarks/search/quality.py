#!/usr/bin/env python3
"""Known-item quality from the query set and each engine's top 10: success@1 and MRR@10, for
queries with diacritics and without, separately; plus latency figures side by side.

    python3 quality.py QUERIES hoso.json fts5.json tantivy.json
"""
import json, sys

queries = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
engines = {}
for path in sys.argv[2:]:
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
