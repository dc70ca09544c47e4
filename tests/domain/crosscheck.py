#!/usr/bin/python3
"""crosscheck.py DGP SOURCE_DIR — cross-check dgp's identifier, phone and
region rules against independent implementations, value by value.

  generated values (seed 2260) + published vectors (STANDARDS.md §1–§3, §8, §9)
      ──stdin──▶ DGP check RULE ──"OK\tvalue[\tflags]" / "REJECT\treason"──┐
      ──────────▶ reference (python-stdnum, libphonenumber, loc.dat) ──────┴─▶ compare

References (Debian packages, installed by scripts/install-deps.sh):
  idcard   stdnum.cn.ric.validate      python3-stdnum
  uscc     stdnum.cn.uscc.validate     python3-stdnum
  mobile   phonenumbers (type MOBILE)  python3-phonenumbers
  phone    phonenumbers (valid fixed line / mobile, 400 / 800)
  region   stdnum/cn/loc.dat           python3-stdnum (one of the lists the
                                       region table is built from)

A value agrees when both accept it (and, where both produce a normalised
form, the forms are equal) or both reject it.  Every disagreement must be
explained by exactly one row of differences.tsv, whose id names a
predicate below that checks the value really is of that kind; any other
disagreement, and any row that explains nothing, fails the test.  The
figures printed at the end are the ones published in README.md.

Runs with Debian's python (/usr/bin/python3): the references are Debian's
python modules.  No network, no timing.
"""
import collections
import datetime
import os
import random
import re
import subprocess
import sys

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric, uscc

SEED = 2260
N_ID = 6000
N_USCC = 6000
N_PHONE = 6000
N_REGION_RANDOM = 3000

DGP, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.join(SRC, "tests", "domain")
rng = random.Random(SEED)

# ── dgp ──────────────────────────────────────────────────────────────────


def dgp_check(rule, values):
    """[(verdict 'OK'/'REJECT', value or reason, flags set)] for values."""
    for v in values:
        assert "\n" not in v and "\r" not in v, repr(v)
    p = subprocess.run([DGP, "check", rule], input="\n".join(values) + "\n",
                       capture_output=True, text=True, encoding="utf-8", check=True)
    out = []
    for line in p.stdout.split("\n")[:-1]:
        f = line.split("\t")
        if f[0] == "OK":
            out.append(("OK", f[1], set(f[2].split(",")) if len(f) > 2 else set()))
        else:
            out.append(("REJECT", f[1], set()))
    assert len(out) == len(values), (rule, len(out), len(values))
    return out


# ── references ───────────────────────────────────────────────────────────


def stdnum_verdict(mod, v):
    """('OK', compact form) or ('REJECT', exception class name)."""
    try:
        return "OK", mod.validate(v)
    except stdnum_exc.ValidationError as e:
        return "REJECT", type(e).__name__


CN_MD = PhoneMetadata.metadata_for_region("CN")
MOBILE_RE = re.compile("(?:" + CN_MD.mobile.national_number_pattern + ")$")
FIXED_RE = re.compile("(?:" + CN_MD.fixed_line.national_number_pattern + ")$")
PHONE_OK_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE,
                  PhoneNumberType.FIXED_LINE_OR_MOBILE}


def lib_parse(v):
    try:
        n = phonenumbers.parse(v, "CN")
    except phonenumbers.NumberParseException:
        return None
    return n


def lib_phone_key(n):
    """dgp's key for a number libphonenumber accepts: 0AA(A)-local, mobile, 400-xxx-xxxx."""
    nsn = phonenumbers.national_significant_number(n)
    t = phonenumbers.number_type(n)
    if t == PhoneNumberType.MOBILE:
        return nsn
    if re.fullmatch(r"[48]00\d{7}", nsn):
        return f"{nsn[:3]}-{nsn[3:6]}-{nsn[6:]}"
    a = phonenumbers.length_of_geographical_area_code(n)
    return f"0{nsn[:a]}-{nsn[a:]}"


def lib_verdict(v, mobile_only):
    n = lib_parse(v)
    if n is None:
        return "REJECT", "parse"
    if n.country_code != 86:
        return "REJECT", "country"
    if not phonenumbers.is_valid_number(n):
        return "REJECT", "invalid"
    t = phonenumbers.number_type(n)
    nsn = phonenumbers.national_significant_number(n)
    if mobile_only:
        return ("OK", nsn) if t == PhoneNumberType.MOBILE else ("REJECT", "type")
    if t in PHONE_OK_TYPES or re.fullmatch(r"[48]00\d{7}", nsn):
        return "OK", lib_phone_key(n)
    return "REJECT", "type"


def debian_loc():
    import stdnum
    path = os.path.join(os.path.dirname(stdnum.__file__), "cn", "loc.dat")
    codes = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(\d{6}) ", line)
            if m:
                codes.add(m.group(1))
    return codes


LOC = debian_loc()
TABLE = {}
with open(os.path.join(SRC, "pipeline", "data", "gb2260.tsv"), encoding="utf-8") as f:
    for line in f:
        if line[:1].isdigit():
            code, name, status, _ = line.rstrip("\n").split("\t")
            TABLE[code] = status
AREAS = {}
with open(os.path.join(SRC, "pipeline", "data", "cn_area_codes.tsv"), encoding="utf-8") as f:
    for line in f:
        if line[:1].isdigit():
            area, lengths, _ = line.rstrip("\n").split("\t")
            AREAS[area] = [int(x) for x in lengths.split(",")]

# ── generators ───────────────────────────────────────────────────────────

W_ID = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHK = "10X98765432"
A31 = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W_US = [pow(3, i, 31) for i in range(17)]
W_ORG = [3, 7, 9, 10, 5, 8, 4, 2]
ORG_ALPH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SPACES = ["\u00a0", "\u3000", "\t", " ", "\u2002", "\u202f"]
FORMAT_CHARS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
FULL = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


def id_check(b17):
    return ID_CHK[sum(int(c) * w for c, w in zip(b17, W_ID)) % 11]


def rand_date(lo=1900, hi=2025):
    d = datetime.date(lo, 1, 1) + datetime.timedelta(days=rng.randrange((hi - lo + 1) * 365))
    return d.strftime("%Y%m%d")


def gen_idcards():
    loc = sorted(LOC)
    table = sorted(TABLE)
    out = []
    for _ in range(N_ID):
        r = rng.random()
        if r < 0.45:
            county = rng.choice(loc)
        elif r < 0.85:
            county = rng.choice(table)
        elif r < 0.92:
            county = "%06d" % rng.randrange(110000, 660000)
        elif r < 0.96:
            county = rng.choice(["810000", "820000", "830000"])
        else:
            county = "9%02d%03d" % (rng.choice([11, 31, 32, 44, 60]), rng.randrange(1000))
        lo, hi = (1790, 2030) if rng.random() < 0.1 else (1930, 2020)
        b17 = county + rand_date(lo, hi) + "%03d" % rng.randrange(1000)
        v = b17 + id_check(b17)
        out.append(mutate_id(v))
    return out


def mutate_id(v):
    r = rng.random()
    if r < 0.45:
        return v
    if r < 0.60:  # one substitution
        i = rng.randrange(18)
        return v[:i] + rng.choice("0123456789X" if i == 17 else "0123456789") + v[i + 1:]
    if r < 0.65:  # adjacent transposition
        i = rng.randrange(17)
        return v[:i] + v[i + 1] + v[i] + v[i + 2:]
    if r < 0.70:  # impossible dates
        bad = rng.choice(["1330", "0230", "0431", "0000", "0132", "0229"])
        b17 = v[:10] + bad + v[14:17]
        return b17 + id_check(b17)
    if r < 0.75:
        return v.lower()
    if r < 0.82:
        s = rng.choice(SPACES)
        return s + v + s
    if r < 0.86:
        c = rng.choice(FORMAT_CHARS)
        i = rng.randrange(19)
        return v[:i] + c + v[i:]
    if r < 0.90:
        return "".join(FULL.get(c, c) for c in v)
    if r < 0.94:
        return v[:6] + v[8:17] if v[6:8] == "19" else v[:17]  # 15-digit form
    if r < 0.97:
        return v[:rng.randrange(15, 18)]
    return v[:9] + rng.choice("ABZ-/ ") + v[10:]


def org_check(b8):
    s = sum(ORG_ALPH.index(c) * w for c, w in zip(b8, W_ORG))
    c9 = 11 - s % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def uscc_check(b17):
    return A31[(31 - sum(A31.index(c) * w for c, w in zip(b17, W_US)) % 31) % 31]


def gen_usccs():
    pairs = ["11", "12", "13", "19", "21", "31", "51", "52", "53", "91", "92", "93", "N1",
             "N2", "Y1", "A1", "G1", "J1", "54", "55"]
    table = sorted(TABLE)
    out = []
    for _ in range(N_USCC):
        dept = rng.choice(pairs) if rng.random() < 0.9 else (rng.choice(A31) + rng.choice(A31))
        region = rng.choice(table) if rng.random() < 0.9 else "%06d" % rng.randrange(1000000)
        body = "".join(rng.choice(A31[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        org = body + (org_check(body) if rng.random() < 0.9 else rng.choice("0123456789X"))
        b17 = dept + region + org
        v = b17 + uscc_check(b17)
        out.append(mutate_uscc(v))
    return out


def mutate_uscc(v):
    r = rng.random()
    if r < 0.45:
        return v
    if r < 0.60:
        i = rng.randrange(18)
        return v[:i] + rng.choice(A31) + v[i + 1:]
    if r < 0.65:
        i = rng.randrange(17)
        return v[:i] + v[i + 1] + v[i] + v[i + 2:]
    if r < 0.70:
        return v.lower()
    if r < 0.76:
        sep = rng.choice([" ", "-"])
        return v[:2] + sep + v[2:8] + sep + v[8:]
    if r < 0.81:
        s = rng.choice(SPACES)
        return s + v + s
    if r < 0.84:
        c = rng.choice(FORMAT_CHARS)
        i = rng.randrange(19)
        return v[:i] + c + v[i:]
    if r < 0.88:
        return "".join(FULL.get(c, c) for c in v)
    if r < 0.94:  # a letter outside the alphabet
        i = rng.randrange(18)
        return v[:i] + rng.choice("IOSVZ") + v[i + 1:]
    return v[:rng.randrange(16, 18)]


def gen_phones():
    areas = sorted(AREAS)
    out = []
    for _ in range(N_PHONE):
        r = rng.random()
        if r < 0.30:  # mobile
            digits = "1" + rng.choice("3456789" * 4 + "012") + "".join(
                rng.choice("0123456789") for _ in range(9))
            kind = "mobile"
        elif r < 0.38:  # 400 / 800
            digits = rng.choice(["400", "800"]) + "".join(rng.choice("0123456789") for _ in range(7))
            kind = "service"
        else:  # landline
            if rng.random() < 0.8:
                area = rng.choice(areas)
            else:
                area = rng.choice(["%02d" % rng.randrange(10, 30), "%03d" % rng.randrange(300, 1000)])
            length = rng.choice([7, 8, 8, 7, 6, 9]) if rng.random() < 0.85 else rng.choice([7, 8])
            first = rng.choice("23456789" * 5 + "01")
            local = first + "".join(rng.choice("0123456789") for _ in range(length - 1))
            out.append(format_landline(area, local))
            continue
        out.append(format_other(digits, kind))
    return out


def format_landline(area, local):
    r = rng.random()
    if r < 0.25:
        return f"0{area}-{local}"
    if r < 0.40:
        return f"0{area}{local}"
    if r < 0.50:
        return f"(0{area}){local}"
    if r < 0.65:
        return f"+86 {area} {local[:4]} {local[4:]}"
    if r < 0.75:
        return f"0086-{area}-{local}"
    if r < 0.82:
        return f"+86-{area}-{local}"
    if r < 0.90:
        return f"\u00a00{area}-{local}\u200b"
    return f"+86{area}{local}"


def format_other(digits, kind):
    r = rng.random()
    if r < 0.35:
        return digits
    if r < 0.55:
        return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}" if kind == "mobile" else \
            f"+86 {digits[:3]} {digits[3:6]} {digits[6:]}"
    if r < 0.70:
        return "0086" + digits
    if r < 0.80:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if r < 0.90:
        return "".join(FULL.get(c, c) for c in digits)
    return "+86" + digits


# ── published vectors (STANDARDS.md) ─────────────────────────────────────

PUBLISHED = {
    "idcard": ["11010519491231002X", "440524188001010014", "420106199003071238",
               "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", "110105491231002",
               "420106900307123", "11010519490230002X", "420106203001011234",
               "110105194912310021", "932682198501010017", "810000198001010014",
               "830000199001010012", "\u00a011010519491231002X\u00a0", "420121196503150274",
               "420106209901011233", "420106179901011239"],
    "uscc": ["91350100M000100Y43", "91110000101623741K", "911101066976941872",
             "91420106MA4K12345A", "12420100D2143569XR", "914201061000001040",
             "91350100M000100Y4Z", "91310115MA1H8R7C6D", "91420106ma4k12345a",
             "91350211M0000XUF46", "91 350100 M000100Y43", "91-350100-M000100Y43"],
    "mobile": ["+86 138-0013-8000", "１３８００１３８０００", "008613912345678", "19912345678",
               "12800138000", "1380013800"],
    "phone": ["+86 10 6234 5678", "+86 10 62345678", "0086 10 62345678", "+86-10-6234-5678",
              "+86 21 6234 5678", "+86 400 820 8820", "+86 4008208820", "4008208820",
              "+86 4001234567", "010-62345678", "0755-86001234", "0755-8600123",
              "0571-8600123", "0871-6512345", "+86 138-0013-8000"],
    "region": ["420106", "420121", "420122", "420123", "420124", "429004", "429021",
               "110103", "110104", "460037", "460302", "460303"],
}

# ── the differences table ────────────────────────────────────────────────


def compact_id(v):
    return re.sub(r"\s", "", "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c
                                     for c in v if c not in FORMAT_CHARS)).upper()


def birth(v18):
    return v18[6:14]


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")


def unallocated_mobile(d, r):
    """dgp accepted 1[3-9] + 9 digits as a mobile; libphonenumber's block list lacks it."""
    return (d[0] == "OK" and "landline" not in d[2] and r[0] == "REJECT"
            and re.fullmatch(r"1[3-9]\d{9}", d[1]) is not None and not MOBILE_RE.match(d[1]))


# predicate(value, dgp result, reference result) → whether the row explains it
PREDICATES = {
    # idcard vs stdnum.cn.ric
    "id_county_unknown": lambda v, d, r: d[0] == "OK" and "region_unknown" in d[2]
    and r == ("REJECT", "InvalidComponent") and d[1][:6] not in LOC,
    "id_county_in_other_editions": lambda v, d, r: d[0] == "OK"
    and not d[2] & {"region_unknown", "residence_permit", "foreign_permanent"}
    and r == ("REJECT", "InvalidComponent") and d[1][:6] not in LOC and d[1][:6] in TABLE,
    "id_residence_permit": lambda v, d, r: d[0] == "OK" and "residence_permit" in d[2]
    and r == ("REJECT", "InvalidComponent"),
    "id_foreign_permanent": lambda v, d, r: d[0] == "OK" and "foreign_permanent" in d[2]
    and r == ("REJECT", "InvalidComponent"),
    "id_future_birth": lambda v, d, r: d == ("REJECT", "future_date", set())
    and r[0] == "OK" and birth(r[1]) > today(),
    "id_before_1800": lambda v, d, r: d == ("REJECT", "date_range", set())
    and r[0] == "OK" and birth(r[1]) < "18000101",
    "id_15_digit_upgrade": lambda v, d, r: d[0] == "OK" and "upgraded_15" in d[2]
    and r == ("REJECT", "InvalidLength") and len(compact_id(v)) == 15,
    "id_width_folded": lambda v, d, r: d[0] == "OK" and "width_folded" in d[2]
    and r[0] == "REJECT" and any(0xFF01 <= ord(c) <= 0xFF5E or c == "\u3000" for c in v),
    "id_format_chars_dropped": lambda v, d, r: d[0] == "OK" and "control_removed" in d[2]
    and r[0] == "REJECT" and any(c in FORMAT_CHARS for c in v),
    # uscc vs stdnum.cn.uscc
    "uscc_letter_authority": lambda v, d, r: d[0] == "OK" and r == ("REJECT", "InvalidFormat")
    and not d[1][:2].isdigit() and d[1][2:8].isdigit(),
    "uscc_width_folded": lambda v, d, r: d[0] == "OK" and "width_folded" in d[2]
    and r[0] == "REJECT" and any(0xFF01 <= ord(c) <= 0xFF5E or c == "\u3000" for c in v),
    "uscc_format_chars_dropped": lambda v, d, r: d[0] == "OK" and "control_removed" in d[2]
    and r[0] == "REJECT" and any(c in FORMAT_CHARS for c in v),
    # phone / mobile vs libphonenumber
    "mobile_prefix_unallocated": lambda v, d, r: unallocated_mobile(d, r),
    "phone_mobile_prefix_unallocated": lambda v, d, r: unallocated_mobile(d, r),
    "mobile_with_trunk_zero": lambda v, d, r: d[0] == "REJECT" and r[0] == "OK"
    and "-" not in r[1] and re.sub(r"\D", "", v).startswith("01"),
    "landline_local_short": lambda v, d, r: d[0] == "REJECT" and r[0] == "OK"
    and "-" in r[1] and len(r[1].split("-")[1]) < 7,
    "landline_block_unallocated": lambda v, d, r: d[0] == "OK" and "landline" in d[2]
    and r[0] == "REJECT" and landline_length_ok_in_lib(d[1]),
    "landline_local_starts_0_or_1": lambda v, d, r: d[0] == "REJECT" and r[0] == "OK"
    and "-" in r[1] and r[1].split("-")[1][:1] in "01",
    "landline_area_split": lambda v, d, r: d[0] == "OK" and r[0] == "OK" and d[1] != r[1]
    and d[1].replace("-", "") == r[1].replace("-", "") and len(r[1].split("-")[0]) == 5,
    # region vs stdnum loc.dat
    "region_more_lists": lambda v, d, r: d[0] == "OK" and r[0] == "REJECT" and v in TABLE,
}


def landline_length_ok_in_lib(key):
    """Whether libphonenumber has fixed-line numbers of this area and local length at all."""
    area, local = key[1:].split("-")
    for first in "23456789":
        for fill in ("0", "5", "8"):
            if FIXED_RE.match(area + first + fill * (len(local) - 1)):
                return True
    return False


def load_differences():
    rows = []
    with open(os.path.join(HERE, "differences.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("id\t") or not line.strip():
                continue
            did, rule, ref, dgp_side, ref_side, reason = line.rstrip("\n").split("\t")
            assert did in PREDICATES, f"differences.tsv: no predicate for {did}"
            rows.append((did, rule, ref, reason))
    assert {r[0] for r in rows} == set(PREDICATES), "differences.tsv and PREDICATES disagree"
    return rows


# ── comparison ───────────────────────────────────────────────────────────


def agree(d, r, compare_output):
    if d[0] != r[0]:
        return False
    return d[0] == "REJECT" or not compare_output or d[1] == r[1]


def run(rule, ref_name, values, ref_fn, diffs, report, failures, compare_output=True):
    got = dgp_check(rule, values)
    counts = collections.Counter()
    for v, d in zip(values, got):
        r = ref_fn(v)
        counts["values"] += 1
        if agree(d, r, compare_output):
            counts["agree"] += 1
            continue
        hits = [did for did, drule, dref, _ in diffs
                if drule == rule and dref == ref_name and PREDICATES[did](v, d, r)]
        if hits:
            counts[hits[0]] += 1
        else:
            counts["unexplained"] += 1
            if len(failures) < 40:
                failures.append(f"{rule} vs {ref_name}: {v!r}: dgp {d[0]} {d[1]} "
                                f"{','.join(sorted(d[2]))} / reference {r[0]} {r[1]}")
    report.append((rule, ref_name, counts))


def main():
    diffs = load_differences()
    report, failures = [], []
    ids = PUBLISHED["idcard"] + gen_idcards()
    usccs = PUBLISHED["uscc"] + gen_usccs()
    phones = gen_phones()
    mobiles = PUBLISHED["mobile"] + [p for p in phones if not p.startswith(("0", "(", "\u00a0"))]
    run("idcard", "python-stdnum cn.ric", ids, lambda v: stdnum_verdict(ric, v), diffs, report,
        failures)
    run("uscc", "python-stdnum cn.uscc", usccs, lambda v: stdnum_verdict(uscc, v), diffs, report,
        failures)
    run("mobile", "libphonenumber", mobiles, lambda v: lib_verdict(v, True), diffs, report,
        failures)
    run("phone", "libphonenumber", PUBLISHED["phone"] + PUBLISHED["mobile"] + phones,
        lambda v: lib_verdict(v, False), diffs, report, failures)
    codes = PUBLISHED["region"] + sorted(LOC) + ["%06d" % rng.randrange(110000, 660000)
                                                 for _ in range(N_REGION_RANDOM)]
    run("region", "python-stdnum loc.dat", codes,
        lambda v: ("OK", v) if v in LOC else ("REJECT", "not listed"), diffs, report, failures)

    used = collections.Counter()
    print(f"{'rule':8} {'reference':24} {'values':>7} {'agree':>7} {'%':>7}  explained differences")
    for rule, ref_name, c in report:
        expl = {k: n for k, n in c.items() if k not in ("values", "agree", "unexplained")}
        used.update(expl)
        print(f"{rule:8} {ref_name:24} {c['values']:7} {c['agree']:7} "
              f"{100.0 * c['agree'] / c['values']:6.2f}%  "
              + ", ".join(f"{k} {n}" for k, n in sorted(expl.items())))
    unused = [did for did, *_ in diffs if used[did] == 0]
    for f in failures:
        print("UNEXPLAINED", f)
    for did in unused:
        print("UNUSED ROW", did, "(differences.tsv lists a difference that never occurred)")
    n_unexplained = sum(c["unexplained"] for _, _, c in report)
    print(f"{sum(c['values'] for _, _, c in report)} values, {n_unexplained} unexplained "
          f"disagreements, {len(unused)} unused rows")
    return 1 if n_unexplained or unused else 0


if __name__ == "__main__":
    sys.exit(main())
