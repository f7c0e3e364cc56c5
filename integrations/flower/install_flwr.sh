#!/usr/bin/env bash
# Creates a venv with flwr 1.42.0 and this app's dependencies.
# Usage: install_flwr.sh VENV_DIR
#
# Why two steps: flwr 1.42.0 requires certifi>=2026.10.19, newer than the
# package registry offers here. Its other dependencies are installed first
# (with whatever certifi exists), then flwr itself with --no-deps. `pip check`
# then reports only that certifi pin, which does not affect loopback runs
# (no TLS; certifi is only used to verify remote HTTPS certificates).
set -euo pipefail
venv="${1:?usage: install_flwr.sh VENV_DIR}"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet \
  'numpy>=1.26.0,<3.0.0' 'grpcio>=1.70.0,<2.0.0' 'grpcio-health-checking>=1.70.0,<2.0.0' \
  'protobuf>=5.28.0,<7.0.0' 'cryptography>=50.0.0,<51.0.0' 'pycryptodome>=3.18.0,<4.0.0' \
  'iterators>=0.0.2,<0.0.3' 'typer>=0.13.0,<0.21.0' 'uv>=0.13.5,<0.14.0' 'tomli>=2.0.1,<3.0.0' \
  'tomli-w>=1.0.0,<2.0.0' 'pathspec>=1.0.4,<2.0.0' 'prompt-toolkit>=3.0.52,<4.0.0' \
  'rich>=14.0.0,<15.0.0' 'pyyaml>=6.0.2,<7.0.0' 'requests>=2.33.0,<3.0.0' 'httpx>=0.28.1,<1.0.0' \
  'click>=8.0.0,<9.0.0' 'packaging>=24.0,<26.0' 'sqlalchemy[asyncio]>=2.0.45,<3.0.0' \
  'alembic>=1.18.1,<2.0.0' 'uvicorn[standard]>=0.49.0,<0.50.0' 'fastapi>=0.138.0,<0.139.0' \
  'starlette>=1.3.1,<1.4.0' certifi 'safetensors>=0.4'
"$venv/bin/pip" install --quiet --no-deps 'flwr==1.42.0'
"$venv/bin/python" -c 'import flwr, safetensors; print("flwr", flwr.__version__, "safetensors", safetensors.__version__)'
