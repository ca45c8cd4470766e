#!/usr/bin/env bash
# The benchmark (docs/benchmarks.md) on a fresh machine: installs PostgreSQL's server binaries if missing (the tool
# starts its own throwaway cluster), builds the solution in Release and runs the bench tool with the arguments given.
#   bash scripts/bench.sh                 # = --spawn: 四川省, 1 silo, the baselines and a cold start
#   bash scripts/bench.sh --spawn --national --no-baselines --no-cold-start ...   # any of the tool's options
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/packages.sh
require_dotnet
ensure_postgresql

dotnet build OrleansPlans.sln -c Release -nologo -clp:ErrorsOnly
[ $# -gt 0 ] || set -- --spawn
exec dotnet bench/OrleansPlans.Bench/bin/Release/net10.0/OrleansPlans.Bench.dll "$@"
