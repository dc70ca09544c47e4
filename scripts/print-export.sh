#!/usr/bin/env bash
# print-export.sh — the 三清单一目录 workbook as it prints: export it, let
# LibreOffice print it to PDF with the workbook's own page setup (landscape,
# one page wide, repeated header row and code/name columns), and render pages
# to PNG for a look.
#
#   scripts/print-export.sh [OUT_DIR] [internal|external]
#
# Installs libreoffice-calc-nogui and poppler-utils from Debian when missing
# (large: not part of install-deps.sh, which make test needs). Uses the built
# dgp (build/cli/dgp) and, when DGP_PG_CONNINFO is set, live statistics.
# Prints the PDF's path and page count, and the PNGs of its first two pages.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
. "$repo/scripts/lib.sh"
out=${1:-$repo/.run/print}
audience=${2:-internal}
DGP=${DGP:-$repo/build/cli/dgp}
[ -x "$DGP" ] || dgp_die "$DGP not built: make build"

need=()
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi 'cjk\|wqy\|noto sans sc' || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
	dgp_log "installing ${need[*]}"
	if dgp_is_root; then sudo=(); else sudo=(sudo); fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2 ||
		dgp_die "apt-get install ${need[*]} failed"
fi

mkdir -p "$out"
"$DGP" catalog export --format xlsx --audience "$audience" --out "$out" >&2
xlsx=$out/catalog-$audience.xlsx
[ -s "$xlsx" ] || dgp_die "no $xlsx"
HOME=$out soffice --headless --norestore --convert-to pdf --outdir "$out" "$xlsx" >&2
pdf=${xlsx%.xlsx}.pdf
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
pdftoppm -png -r 60 -f 1 -l 3 "$pdf" "$out/page"
echo "$pdf: $pages pages"
ls "$out"/page*.png
