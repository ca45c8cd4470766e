#!/usr/bin/env bash
# Offline validation of the Kubernetes manifests: renders deploy/k8s/base and every overlay
# with `kubectl kustomize` and checks every rendered object against the upstream Kubernetes
# schemas (npm package kubernetes-models; see validate-manifests.mjs). No cluster needed.
#
#   deploy/validate.sh
#
# Needs kubectl (with its built-in kustomize) and Node.js + npm; installs the pinned npm
# dependencies (npm ci, from package-lock.json) on first use. Exits non-zero on any problem.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

for tool in kubectl node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "validate.sh: $tool is required" >&2; exit 2; }
done

if [ ! -d node_modules/kubernetes-models ] || [ ! -d node_modules/yaml ]; then
    echo "installing validator dependencies (npm ci)..."
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

targets=(k8s/base)
for overlay in k8s/overlays/*/; do
    targets+=("${overlay%/}")
done

status=0
for target in "${targets[@]}"; do
    name="$(echo "$target" | tr '/' '-')"
    rendered="$out/$name.yaml"
    if ! kubectl kustomize "$target" >"$rendered" 2>"$out/$name.err"; then
        echo "FAIL $target: kustomize render failed" >&2
        cat "$out/$name.err" >&2
        status=1
        continue
    fi
    extra=()
    case "$target" in
        # production uses a managed PostgreSQL and an out-of-band Secret: no in-cluster
        # database and no credentials may ever be rendered from the repository
        */production) extra=(--forbid-kind StatefulSet,Secret,PersistentVolumeClaim) ;;
    esac
    echo "== $target ($(grep -c '^kind:' "$rendered") objects)"
    node validate-manifests.mjs "${extra[@]}" "$rendered" || status=1
done

# the Secret template is not part of any render, but must still be a valid object
echo "== k8s/base/secret.example.yaml (template, not applied)"
node validate-manifests.mjs k8s/base/secret.example.yaml || status=1

if [ "$status" -ne 0 ]; then
    echo "manifest validation FAILED" >&2
else
    echo "manifest validation passed (${#targets[@]} renders + secret template)"
fi
exit "$status"
