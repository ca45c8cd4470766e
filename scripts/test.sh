#!/usr/bin/env bash
# The one test command (README): builds the solution with warnings as errors and runs every test project.
# Installs what the tests need on a fresh machine first (idempotent; skipped when already present).
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "dotnet SDK 10 is required (https://dot.net)" >&2
  exit 1
fi

# PostgreSQL server binaries for the PostgreSQL tests (the fixture starts its own throwaway cluster).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing PostgreSQL (server binaries for the test fixture)…"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi
fi

dotnet build OrleansPlans.sln -c Release -warnaserror -nologo -clp:ErrorsOnly || exit 1

log=$(mktemp)
dotnet test OrleansPlans.sln -c Release --no-build -nologo --logger "console;verbosity=normal" >"$log" 2>&1
status=$?
grep -E "^\s+Failed |^Test run for|Total tests:|^\s+(Passed|Failed|Skipped):|Error Message|Assert\." "$log" | grep -vE "^\s+Passed [A-Z]" || true

# The Kubernetes manifests render with kustomize and validate offline against the upstream schemas.
if command -v kubectl >/dev/null 2>&1; then
  bash deploy/validate.sh >"$log.k8s" 2>&1 || { cat "$log.k8s"; echo "kubernetes manifest validation failed"; status=1; }
  tail -1 "$log.k8s"
else
  echo "kubectl not found: kubernetes manifest validation skipped (install kubectl to run it)"
fi

# One closing line across all test projects, in the plain 'N passed, N failed' form.
passed=$(grep -E "^\s+Passed:\s+[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E "^\s+Failed:\s+[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -E "^\s+Skipped:\s+[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
echo "Full log: $log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
