#!/usr/bin/env python3
"""gen-region-c.py IN.tsv OUT.c — turn pipeline/data/gb2260.tsv into the C
arrays that pipeline/dgp_region.c searches.  Run by CMake at build time, so
the TSV stays the one source of truth and no generated file can go stale.

Layout (see dgp_region.c): entries sorted by code; first[p] is the index of
the first entry whose code / 100 >= p (p = the 4-digit province+prefecture
prefix, 0..9999, first[10000] = n).  slot[p] numbers the prefixes in use
(1.., 0 = none) and ddx[slot][dd] is 1 + the offset of code p*100+dd from
first[p] (0 = none): a lookup is three table reads, O(1), and the tables
take ~80 KB (a direct index over all 10^6 codes would take 1–2 MB).
"""
import sys


def c_string(s):
    out = []
    for b in s.encode("utf-8"):
        out.append(chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\?' else "\\%03o" % b)
    return '"' + "".join(out) + '"'


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("code\t"):
                continue
            code, name, status, year = line.split("\t")
            assert len(code) == 6 and code.isdigit(), line
            status_value = {"current": 1, "historical": 2, "statistical": 3}[status]
            rows.append((int(code), name, status_value, int(year or 0)))
    rows.sort()
    assert len(rows) < 65535 and len({r[0] for r in rows}) == len(rows)
    first = []
    i = 0
    for p in range(10001):
        while i < len(rows) and rows[i][0] // 100 < p:
            i += 1
        first.append(i)
    slot = [0] * 10000
    ddx = [[0] * 100]
    for r_i, r in enumerate(rows):
        p = r[0] // 100
        if not slot[p]:
            slot[p] = len(ddx)
            ddx.append([0] * 100)
        ddx[slot[p]][r[0] % 100] = r_i - first[p] + 1
    assert max(max(x) for x in ddx) < 256
    names = bytearray()
    offs = []
    for r in rows:
        offs.append(len(names))
        names += r[1].encode("utf-8") + b"\0"
    with open(dst, "w", encoding="utf-8") as o:
        o.write("/* Generated from %s by scripts/gen-region-c.py; do not edit. */\n" % src.split("/")[-1])
        o.write("#include <stddef.h>\n#include <stdint.h>\n\n")
        o.write("const size_t dgp_region_n = %d;\n" % len(rows))

        def arr(ctype, name, vals, per=16):
            o.write("const %s %s[%d] = {\n" % (ctype, name, len(vals)))
            for k in range(0, len(vals), per):
                o.write("\t" + ", ".join(str(v) for v in vals[k:k + per]) + ",\n")
            o.write("};\n")

        arr("uint16_t", "dgp_region_first", first)
        arr("uint8_t", "dgp_region_dd", [r[0] % 100 for r in rows])
        arr("uint16_t", "dgp_region_slot", slot)
        o.write("const uint8_t dgp_region_ddx[%d][100] = {\n" % len(ddx))
        for x in ddx:
            o.write("\t{" + ", ".join(str(v) for v in x) + "},\n")
        o.write("};\n")
        arr("uint8_t", "dgp_region_status", [r[2] for r in rows])
        arr("uint16_t", "dgp_region_year", [r[3] for r in rows])
        arr("uint32_t", "dgp_region_name_off", offs, 12)
        o.write("const size_t dgp_region_names_size = %d;\n" % len(names))
        o.write("const char dgp_region_names[] =\n")
        for r in rows:
            o.write("\t%s \"\\0\"\n" % c_string(r[1]))
        o.write("\t;\n")


if __name__ == "__main__":
    main()
