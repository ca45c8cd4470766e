#!/usr/bin/env bash
# The one test command (README): builds the solution with warnings as errors and runs every test project.
# Installs what the tests need on a fresh machine first (idempotent; skipped when already present).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "dotnet SDK 10 is required (https://dot.net)" >&2
  exit 1
fi

dotnet build OrleansPlans.sln -c Release -warnaserror -nologo -clp:ErrorsOnly
dotnet test OrleansPlans.sln -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee /tmp/orleans-plans-test.log | grep -E "^\s*(Passed|Failed|Skipped)!|^\s+Failed |error" || true
# Summarise across test projects in the plain 'N passed, N failed' form and fail when anything failed.
python3 - <<'PY'
import re, sys
passed = failed = skipped = 0
for line in open('/tmp/orleans-plans-test.log', encoding='utf-8', errors='replace'):
    m = re.search(r'(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)', line)
    if m:
        failed += int(m.group(2)); passed += int(m.group(3)); skipped += int(m.group(4))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
