#!/usr/bin/env python3
"""Writes the benchmark query set from the records of an archive (JSON lines from
`hoso-bench export-records`): at least 200 queries of mixed kinds, each with the form every
engine takes, and, for known-item queries, the dossier it must find.

    python3 make_queries.py RECORDS OUT [--seed 7]

Kinds: name+place and full titles, each with diacritics and without (known items); dossier
numbers and citizen IDs; phrases; procedure + place; frequent and rare words.
"""
import json, random, sys, unicodedata

def fold(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")

def words(s):
    out, cur = [], []
    for ch in s:
        if ch.isalnum() or unicodedata.category(ch).startswith("M"):
            cur.append(ch)
        elif cur:
            out.append("".join(cur)); cur = []
    if cur: out.append("".join(cur))
    return out

def main():
    records_path, out_path = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 7
    rng = random.Random(seed)
    records = [json.loads(l) for l in open(records_path, encoding="utf-8")]
    # Word frequencies over titles, for frequent and rare words.
    freq = {}
    for r in records:
        for w in set(words(r["title"].lower())):
            freq[w] = freq.get(w, 0) + 1
    queries = []
    def add(kind, accented, text_words, target=None, phrase=False, code=None, cccd=None):
        queries.append({"id": len(queries), "kind": kind, "accented": accented, "words": text_words,
                        "phrase": phrase, "code": code, "cccd": cccd, "target": target})
    sample = rng.sample(records, min(len(records), 400))
    for r in sample[:35]:
        ws = words(r["applicant"]) + words(r["place"].split(",")[1] if "," in r["place"] else r["place"])
        add("name+place", True, ws, r["number"])
        add("name+place", False, [fold(w) for w in ws], r["number"])
    for r in sample[35:70]:
        ws = words(r["title"])
        add("title", True, ws, r["number"])
        add("title", False, [fold(w) for w in ws], r["number"])
    for r in sample[70:90]:
        add("code", False, [], r["number"], code=r["number"])
    for r in [x for x in sample[90:200] if x.get("cccd")][:20]:
        add("cccd", False, [], None, cccd=r["cccd"])
    for r in sample[200:220]:
        ws = words(r["title"])
        if len(ws) >= 4:
            i = rng.randrange(0, len(ws) - 2)
            add("phrase", True, ws[i:i + 3], None, phrase=True)
    for r in sample[220:240]:
        place = r["place"].split(",")[1] if "," in r["place"] else r["place"]
        add("procedure+place", True, words(r["procedureName"])[-3:] + words(place), None)
    common = sorted(freq.items(), key=lambda kv: -kv[1])
    for w, _ in common[:10]:
        add("frequent", True, [w], None)
    rare = [w for w, c in freq.items() if c <= 3 and len(w) > 3 and not w.isdigit()]
    rng.shuffle(rare)
    for w in sorted(rare[:20]):
        add("rare", True, [w], None)
    with open(out_path, "w", encoding="utf-8") as f:
        for q in queries:
            if q["code"]:
                q["hoso"] = q["code"]
            elif q["cccd"]:
                q["hoso"] = q["cccd"]
            elif q["phrase"]:
                q["hoso"] = '"' + " ".join(q["words"]) + '"'
            else:
                q["hoso"] = " ".join(q["words"])
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"{len(queries)} queries -> {out_path}", file=sys.stderr)

if __name__ == "__main__":
    main()
