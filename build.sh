#!/usr/bin/env bash
# IoTCerts build entry point.
#   ./build.sh test    install what the tests need (when missing), build, run every test
#   ./build.sh demo    the main job: samples/Quickstart (CAs, EST enroll + re-enroll, Cumulocity validation,
#                      keystore/truststore, MQTT over mTLS when mosquitto is installed); files in out/quickstart
#   ./build.sh inspect-sample   run `iotcerts inspect` on the shipped sample device chain
#   ./build.sh bench   run the BenchmarkDotNet suite (long; not part of CI)
#   ./build.sh pack-check   dotnet pack every src/ project into a temp dir and inspect each package
#   ./build.sh aot-check    publish samples/DeviceAot with NativeAOT (0 warnings) and run it against mosquitto
#   ./build.sh fuzz [--minutes N]   the in-repository fuzzer for N minutes (default 10); failing inputs are minimised
#                      and saved under tests/IoTCerts.Core.Tests/Corpus/regressions, replayed by every test run after
#   ./build.sh public-api   regenerate each library's PublicAPI.Unshipped.txt from the code (after a merge)
set -euo pipefail
cd "$(dirname "$0")"

# Tools the tests call as independent checkers (openssl, Java keytool) or as real peers.
# Installed from Debian's packages only when something is missing (we are root on CI).
need_tools() {
  local missing=()
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v keytool >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto mosquitto-clients)
  command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
  [ -e /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] || missing+=(libengine-pkcs11-openssl)
  command -v pkcs11-tool >/dev/null 2>&1 || missing+=(opensc)
  # The PostgreSQL CA database tests start a private cluster (initdb/pg_ctl, run as the postgres user).
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# NativeAOT links with clang (the ILCompiler looks for the plain `clang` name first) against zlib.
need_aot_tools() {
  local missing=()
  command -v clang >/dev/null 2>&1 || ls /usr/bin/clang-[0-9]* >/dev/null 2>&1 || missing+=(clang)
  [ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

run_tests() {
  need_tools
  dotnet build IoTCerts.sln -c Release -nologo -v q
  local results=TestResults
  rm -rf "$results"
  set +e
  dotnet test IoTCerts.sln -c Release --no-build -nologo -v q --logger "trx" --results-directory "$results"
  local rc=$?
  set -e
  # One plain closing line for CI, summed over every test assembly's TRX report.
  python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = s = 0
for trx in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(trx).getroot().find(".//{*}ResultSummary/{*}Counters")
    if c is None:
        continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    # xunit's skipped tests count in total but not in executed (notExecuted stays 0).
    s += max(int(c.get("notExecuted", 0)), int(c.get("total", 0)) - int(c.get("executed", 0)))
print(f"tests: {p} passed, {f} failed, {s} skipped")
PY
  return "$rc"
}

# Packs every project under src/ (libraries and the iotcerts tool) into a fresh directory and
# checks what each .nupkg/.snupkg holds (.ci/pack-check.py). PACK_DIR keeps the packages.
pack_check() {
  local out="${PACK_DIR:-$(mktemp -d)}"
  rm -f "$out"/*.nupkg "$out"/*.snupkg
  local proj
  for proj in src/*/*.csproj; do
    dotnet pack "$proj" -c Release -nologo -v q -o "$out"
  done
  python3 .ci/pack-check.py . "$out"
}

# The long fuzzing mode (the bounded 20,000-input run is part of `test`). Prints inputs run, foreign exceptions,
# the slowest input and the peak working set; exits non-zero when a foreign exception was found (and saved).
run_fuzz() {
  local minutes=10
  while [ $# -gt 0 ]; do
    case "$1" in
      --minutes) minutes="$2"; shift 2 ;;
      *) echo "usage: ./build.sh fuzz [--minutes N]" >&2; exit 2 ;;
    esac
  done
  dotnet build tests/IoTCerts.Core.Tests/IoTCerts.Core.Tests.csproj -c Release -nologo -v q
  local summary=tests/IoTCerts.Core.Tests/TestResults-fuzz-summary.txt
  rm -f "$summary"
  set +e
  IOTCERTS_FUZZ_MINUTES="$minutes" dotnet test tests/IoTCerts.Core.Tests/IoTCerts.Core.Tests.csproj -c Release --no-build -nologo \
    --filter "FullyQualifiedName~FuzzCorpusTests.Long_fuzz_run" --logger "console;verbosity=normal"
  local rc=$?
  set -e
  [ -f "$summary" ] && cat "$summary" && rm -f "$summary"
  return "$rc"
}

# Public API files (issue #15): every library under src/ tracks its public surface in PublicAPI.Shipped.txt and
# PublicAPI.Unshipped.txt (Microsoft.CodeAnalysis.PublicApiAnalyzers; RS0016/RS0017 fail the build). After a merge or an
# intended API change this regenerates the Unshipped files from the analyzer's findings (.ci/public-api.py).
public_api() {
  python3 .ci/public-api.py
}

case "${1:-}" in
  test) run_tests ;;
  demo) rm -rf out/quickstart; dotnet run --project samples/Quickstart -c Release -- out/quickstart ;;
  inspect-sample) dotnet run --project src/IoTCerts.Cli -c Release -- inspect samples/certificates/device-chain.pem ;;
  pack-check) pack_check ;;
  aot-check) need_tools; need_aot_tools; .ci/aot-check.sh ;;
  fuzz) shift; run_fuzz "$@" ;;
  bench) shift; dotnet run -c Release --project benchmarks/IoTCerts.Benchmarks -- "${@:---filter *}" ;;
  public-api) public_api ;;
  *) echo "usage: ./build.sh test|demo|inspect-sample|bench|pack-check|aot-check|public-api|fuzz [--minutes N]" >&2; exit 2 ;;
esac
