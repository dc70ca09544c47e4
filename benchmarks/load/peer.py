#!/usr/bin/python3
"""peer.py — what a data engineer would write instead of `dgp load`, as well as we can.

    /usr/bin/python3 benchmarks/load/peer.py CONNINFO FILE.csv

The benchmark's Python peer for 户籍人口 (101001/000001) CSV files: the csv module,
python-stdnum for the 身份证号 check (cn.ric), hand-written date, phone, code and
range checks, rejected lines kept with their reason, and psycopg 3: COPY into a
temporary staging table, then one INSERT … ON CONFLICT DO UPDATE … WHERE the
content changed, so a reload of unchanged rows writes nothing. No golden records.
It creates peer.gaj_hjrk and peer.reject when missing. Prints
"read N, loaded N, rejected N" on stdout.

Packages: Debian's python3-stdnum and python3-psycopg (scripts/install-deps.sh).
"""
import csv
import datetime
import functools
import hashlib
import re
import sys

import psycopg
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

COLUMNS = ["gmsfhm", "xm", "xb", "csrq", "mz", "cym", "csdqh", "jgqh", "hh", "yhzgx", "hklb",
           "hjdz", "hjqh", "hyzk", "whcd", "zzmm", "zy", "fwcs", "sg", "xx", "lxdh", "qrrq", "qryy"]
TYPES = {"csrq": "date", "qrrq": "date", "sg": "bigint"}
REQUIRED = {"gmsfhm", "xm", "xb", "csrq", "mz", "hh", "yhzgx", "hjdz", "hjqh"}
HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
HALF[0x3000] = 0x20
DATE_RE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$")
REGION_RE = re.compile(r"^\d{6}$")
PHONE_STRIP = re.compile(r"[\s\-()]")
TODAY = datetime.date.today()


# python-stdnum finds a 身份证号's county by a linear walk of its region table on
# every call (~1 ms per number, most of the peer's CPU in a profile); the answer
# depends only on the six region digits and the birth year, so remember it.
# ric.validate() looks get_birth_place up in its module at each call.
_uncached_birth_place = ric.get_birth_place


@functools.lru_cache(maxsize=None)
def _birth_place(region, year):
    try:
        return _uncached_birth_place(region + year + "01010000"), None
    except ValidationError as e:
        return None, e


def birth_place(number):
    info, err = _birth_place(number[:6], number[6:10])
    if err is not None:
        raise err
    return dict(info)


ric.get_birth_place = birth_place


def norm_id(v):
    v = v.translate(HALF).strip().upper()
    if len(v) == 15 and v.isdigit():
        b = v[:6] + "19" + v[6:]
        # calc_check_digit reads all but the last character (where a check digit
        # would stand), so the 17 digits go in with one more character after them.
        v = b + ric.calc_check_digit(b + "0")
    ric.validate(v)  # raises on format, date, check digit
    return v


def norm_date(v, future_ok=False):
    m = DATE_RE.match(v.translate(HALF).replace(" ", ""))
    if not m:
        raise ValueError("format")
    y, mo, d = (m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5))
    day = datetime.date(int(y), int(mo), int(d))
    if not future_ok and day > TODAY:
        raise ValueError("future_date")
    return day.isoformat()


def norm_phone(v):
    v = PHONE_STRIP.sub("", v.translate(HALF))
    for p in ("+86", "0086", "86"):
        if v.startswith(p) and len(v) - len(p) == 11:
            v = v[len(p):]
    if re.fullmatch(r"1[3-9]\d{9}", v) or re.fullmatch(r"0\d{2,3}\d{7,8}", v):
        return v
    raise ValueError("format")


def norm_region(v):
    v = v.translate(HALF).strip()
    if not REGION_RE.match(v):
        raise ValueError("region")
    return v


def norm_int(v, lo=30, hi=260):
    n = int(v.translate(HALF).replace(",", "").strip())
    if not lo <= n <= hi:
        raise ValueError("range")
    return str(n)


def norm_text(v):
    return " ".join(v.translate(HALF).split())


RULES = {"gmsfhm": norm_id, "csrq": norm_date, "qrrq": norm_date, "csdqh": norm_region,
         "jgqh": norm_region, "hjqh": norm_region, "lxdh": norm_phone, "sg": norm_int}


def normalise(row):
    out = []
    for col, raw in zip(COLUMNS, row):
        if raw.strip() == "":
            if col in REQUIRED:
                raise ValueError(f"{col}: empty")
            out.append(None)
            continue
        try:
            out.append(RULES.get(col, norm_text)(raw))
        except Exception as e:  # stdnum raises its own ValidationError subclasses
            if col in REQUIRED:
                raise ValueError(f"{col}: {e}")
            out.append(None)  # an invalid optional value loads as NULL
    return out


def main():
    conninfo, path = sys.argv[1], sys.argv[2]
    good, bad, read = {}, [], 0
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = [h.strip().lower() for h in next(rd)]
        if header != COLUMNS:
            sys.exit(f"{path}: unexpected header {header}")
        for lineno, row in enumerate(rd, start=2):
            if not row:
                continue
            read += 1
            try:
                if len(row) != len(COLUMNS):
                    raise ValueError("columns")
                vals = normalise(row)
                h = hashlib.blake2b("\x1f".join(v or "\x00" for v in vals).encode(), digest_size=8)
                vals.append(int.from_bytes(h.digest(), "big", signed=True))
                good[vals[0]] = vals  # in-file versions: the last one of a key wins
            except ValueError as e:
                bad.append((lineno, str(e), ",".join(row)))
    cols = ", ".join(COLUMNS)
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS peer")
        conn.execute("CREATE TABLE IF NOT EXISTS peer.gaj_hjrk (" +
                     ", ".join(f"{c} {TYPES.get(c, 'text')}" + (" PRIMARY KEY" if c == "gmsfhm" else "")
                               for c in COLUMNS) + ", content_hash bigint, loaded_at timestamptz DEFAULT now())")
        conn.execute("CREATE TABLE IF NOT EXISTS peer.reject (file text, line int, reason text, raw text)")
        conn.execute("CREATE TEMP TABLE stage (LIKE peer.gaj_hjrk) ON COMMIT DROP")
        with conn.cursor().copy(f"COPY stage ({cols}, content_hash) FROM STDIN") as cp:
            for vals in good.values():
                cp.write_row(vals)
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
        cur = conn.execute(
            f"INSERT INTO peer.gaj_hjrk ({cols}, content_hash) "
            f"SELECT {cols}, content_hash FROM stage "
            f"ON CONFLICT (gmsfhm) DO UPDATE SET {sets}, content_hash = EXCLUDED.content_hash, loaded_at = now() "
            f"WHERE peer.gaj_hjrk.content_hash IS DISTINCT FROM EXCLUDED.content_hash")
        loaded = cur.rowcount
        with conn.cursor().copy("COPY peer.reject (file, line, reason, raw) FROM STDIN") as cp:
            for lineno, reason, raw in bad:
                cp.write_row((path, lineno, reason, raw))
    print(f"read {read}, loaded {loaded}, rejected {len(bad)}")


if __name__ == "__main__":
    main()
