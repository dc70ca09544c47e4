#!/usr/bin/env bash
# Installs the Debian 12 packages dgp needs to build, test, benchmark and run its
# demo. Idempotent: when every package is installed already it makes no apt-get
# call at all; otherwise it runs `apt-get update` once and installs only the
# missing ones. Runs as root (CI) or as a user with sudo.
#
# PostgreSQL note: installing postgresql-15 lets Debian create and start a "main"
# cluster on port 5432. Nothing in dgp uses it (scripts/pg.sh makes its own
# throwaway cluster), and this script leaves it alone.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The one list: package, then what needs it.
PACKAGES="
build-essential             # compiler, make, libc headers
make                        # the two commands themselves
gcc                         # the C compiler (build-essential's, named for the check)
cmake                       # the build
pkgconf                     # pkg-config: finding the libraries below
git                         # version stamps, CI checkout
ca-certificates             # Maven Central over https
clang                       # fuzz harnesses (libFuzzer), sanitizer builds
libclang-rt-14-dev          # clang's sanitizer and libFuzzer runtimes
clang-format                # make format / tests/deploy/test_format.sh (the C layout)
llvm                        # llvm-symbolizer, llvm-profdata for fuzz/coverage
dpkg-dev                    # dpkg-shlibdeps: the Debian package's library dependencies (make package)
dpkg                        # dpkg-deb, dpkg -S (tests/deploy)
man-db                      # man: checking the generated man page
file                        # CPack's DEB generator inspects the binary with it (make package)
librdkafka-dev              # connectors/kafka_source, rdkafka mock cluster tests
libpq-dev                   # connectors/pg_sink
zlib1g-dev                  # gzip payloads and files, dedup snapshots
libxxhash-dev               # pipeline/dedup key and content hashes
libcriterion-dev            # unit tests
libmicrohttpd-dev           # connectors/http: /metrics, /healthz, /readyz
libcurl4-openssl-dev        # connectors/probe: HTTP(S) availability probes
libxlsxwriter-dev           # catalog XLSX export
libjansson-dev              # JSON parser benchmark (benchmarks/json)
libjson-c-dev               # JSON parser benchmark (benchmarks/json)
libyajl-dev                 # JSON parser benchmark (benchmarks/json)
libcjson-dev                # JSON parser benchmark (benchmarks/json)
libglib2.0-dev              # benchmarks only: UTF-8 check vs g_utf8_validate_len (benchmarks/utf8)
libicu-dev                  # benchmarks only: UTF-8 check vs ICU u_strFromUTF8 / U8_NEXT (benchmarks/utf8)
libyaml-dev                 # YAML parsing (catalog definition files)
libcsv-dev                  # pipeline/parse: CSV records
postgresql-15               # scripts/pg.sh: initdb, pg_ctl, postgres
postgresql-client-15        # psql, pg_isready
postgresql-client-common    # the psql / pg_isready wrappers in /usr/bin
openjdk-17-jre-headless     # scripts/kafka.sh: the Kafka broker
maven                       # scripts/kafka.sh: resolving the Kafka jars
kcat                        # scripts/kafka.sh readiness check; test producers/consumers
prometheus                  # promtool check metrics on /metrics output
python3                     # scripts/lib.sh free ports; data generators
python3-minimal             # /usr/bin/python3 itself
python3-stdnum              # cross-checking ID and credit-code check digits in tests (tests/domain)
python3-phonenumbers        # scripts/gen-phone-table.py (area codes) and the phone cross-check (tests/domain)
python3-psycopg             # benchmarks/load/peer.py: the Python peer of dgp load
python3-venv                # benchmarks/stream/run.sh, benchmarks/load/run.sh PEER=polars: the Python peers' own environments (PyPI)
time                        # GNU time (/usr/bin/time): CPU of dgp and the peers in benchmarks/load, benchmarks/stream
unzip                       # inspecting XLSX exports and jars
valgrind                    # memory checks, massif
linux-perf                  # profiling the hot path
hyperfine                   # benchmarks
procps                      # ps, pgrep, free in tests and scripts
iproute2                    # ss: port checks in tests
curl                        # probing /metrics and /healthz
jq                          # reading JSON manifests and summaries in integration tests
xxd                         # byte-exact checks of rejected raw bytes in tests
gzip                        # gzip fixtures and payloads in tests
coreutils                   # timeout, sha256sum in tests and scripts
util-linux                  # setsid, flock in scripts/kafka.sh and tests
libc-bin                    # iconv: GBK fixtures in tests
tzdata                      # catalog.timezone (Asia/Shanghai): export times in Beijing time
openssl                     # generated passwords for the test PostgreSQL
debootstrap                 # scripts/fresh-machine-test.sh: a minimal Debian root
"

package_names() {
    awk '{ sub(/#.*/, ""); for (i = 1; i <= NF; i++) print $i }' <<<"$PACKAGES"
}

is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

as_root() {
    if dgp_is_root; then
        "$@"
    else
        command -v sudo >/dev/null 2>&1 || dgp_die "not root and sudo not found; install these as root: $*"
        sudo "$@"
    fi
}

missing=()
while read -r pkg; do
    is_installed "$pkg" || missing+=("$pkg")
done < <(package_names)

if [ "${#missing[@]}" -eq 0 ]; then
    dgp_log "all $(package_names | wc -l) packages already installed"
    exit 0
fi

dgp_log "missing: ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
    dgp_die "apt-get update failed"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >&2 || dgp_die "apt-get install failed for: ${missing[*]}"

still_missing=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still_missing+=("$pkg")
done
[ "${#still_missing[@]}" -eq 0 ] || dgp_die "still not installed after apt-get: ${still_missing[*]}"
dgp_log "installed: ${missing[*]}"
