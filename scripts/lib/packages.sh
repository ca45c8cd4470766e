# What scripts/test.sh and scripts/bench.sh need on a fresh machine (sourced by both).

# The .NET SDK is not installed by the scripts (it comes from https://dot.net); stop with a clear message without it.
require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "dotnet SDK 10 is required (https://dot.net)" >&2
    exit 1
  fi
}

# Installs Debian packages: as root directly (CI), otherwise through sudo. Quiet unless apt fails.
install_packages() {
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; fi
}

# PostgreSQL's server binaries (initdb, pg_ctl): the PostgreSQL tests and the benchmark start throwaway clusters of their own.
ensure_postgresql() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing PostgreSQL (server binaries for throwaway clusters)…"
    install_packages postgresql
  fi
}
