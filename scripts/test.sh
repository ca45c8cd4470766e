#!/usr/bin/env bash
# The one test command (README): builds the solution with warnings as errors and runs every test project.
# Installs what the tests need on a fresh machine first (idempotent; skipped when already present).
set -uo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/packages.sh
require_dotnet

# PostgreSQL server binaries for the PostgreSQL tests (the fixture starts its own throwaway cluster).
ensure_postgresql

dotnet build OrleansPlans.sln -c Release -warnaserror -nologo -clp:ErrorsOnly || exit 1

log=$(mktemp)
# One test project at a time (-m:1): in parallel, the four projects' clusters and PostgreSQL shared CI's 2 cores, and
# a test that bounds a live event at 1 s after a push saw it after 1.045 s once (session 18) while another project's
# clusters were shutting down. One at a time the suite takes ~25 s longer (1 min 45 s against 1 min 20 s).
dotnet test OrleansPlans.sln -c Release --no-build -nologo -m:1 --logger "console;verbosity=normal" >"$log" 2>&1
status=$?
grep -E "^\s+Failed |^Test run for|Total tests:|^\s+(Passed|Failed|Skipped):|Error Message|Assert\." "$log" | grep -vE "^\s+Passed [A-Z]" || true

# Benchmark smoke (docs/benchmarks.md): an embedded gateway fed two cities × two years of synthetic figures by the
# bench tool; the city and province roll-ups must be consistent and equal to the tool's own from-scratch sums.
dotnet bench/OrleansPlans.Bench/bin/Release/net10.0/OrleansPlans.Bench.dll --smoke >"$log.bench" 2>&1 || { cat "$log.bench"; echo "benchmark smoke failed"; status=1; }
tail -1 "$log.bench"

# The web dashboard in headless Chromium (tests/Browser): the system's chromium (never a downloaded browser), a CJK
# font so Chinese renders in the screenshots, playwright-core from npm; node's test runner against a gateway it starts.
browser_pkgs=()
[ -x /usr/bin/chromium ] || browser_pkgs+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || browser_pkgs+=(fonts-noto-cjk)
{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || browser_pkgs+=(nodejs npm)
if [ ${#browser_pkgs[@]} -gt 0 ]; then
  echo "Installing ${browser_pkgs[*]} (browser tests)…"
  install_packages "${browser_pkgs[@]}"
fi
browser_passed=0
browser_failed=0
if (cd tests/Browser && npm ci --no-audit --no-fund --loglevel=error) >"$log.npm" 2>&1; then
  (cd tests/Browser && node run-tests.mjs) >"$log.browser" 2>&1
  browser_status=$?
  cat "$log.browser"
  browser_passed=$(grep -E "^ℹ pass [0-9]+" "$log.browser" | awk '{print $3}' | tail -1)
  browser_failed=$(grep -E "^ℹ fail [0-9]+" "$log.browser" | awk '{print $3}' | tail -1)
  browser_passed=${browser_passed:-0}
  browser_failed=${browser_failed:-0}
  if [ "$browser_status" -ne 0 ] || [ "$browser_passed" -eq 0 ]; then
    echo "browser tests failed (exit $browser_status; screenshots and gateway.log in tests/Browser/artifacts)"
    [ "$browser_failed" -eq 0 ] && browser_failed=1
    status=1
  fi
else
  cat "$log.npm"; echo "npm ci in tests/Browser failed: browser tests not run"; browser_failed=1; status=1
fi
echo "Browser tests (tests/Browser): pass ${browser_passed}, fail ${browser_failed}"

# The Kubernetes manifests render with kustomize and validate offline against the upstream schemas.
if command -v kubectl >/dev/null 2>&1; then
  bash deploy/validate.sh >"$log.k8s" 2>&1 || { cat "$log.k8s"; echo "kubernetes manifest validation failed"; status=1; }
  tail -1 "$log.k8s"
else
  echo "kubectl not found: kubernetes manifest validation skipped (install kubectl to run it)"
fi

# One closing line across all test projects and the browser tests, in the plain 'N passed, N failed' form.
passed=$(grep -E "^\s+Passed:\s+[0-9]+" "$log" | awk -v b="$browser_passed" '{s+=$2} END {print s+b}')
failed=$(grep -E "^\s+Failed:\s+[0-9]+" "$log" | awk -v b="$browser_failed" '{s+=$2} END {print s+b}')
skipped=$(grep -E "^\s+Skipped:\s+[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
echo "Full log: $log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
