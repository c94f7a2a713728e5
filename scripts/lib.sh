# Shared set-up steps for scripts/demo and scripts/test (sourced, not run).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${JIT_VENV:-$ROOT/.venv}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian/Ubuntu packages given that are not installed yet (one apt run at most).
apt_install_missing() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# Create the virtual environment and install the project with the given extras.
ensure_venv() {
  local extras="$1"
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "JIT Workspace needs Python 3.11 or newer; found $(python3 --version)." >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> Creating the virtual environment in $VENV"
    python3 -m venv "$VENV" 2>/dev/null || {
      apt_install_missing python3-venv
      python3 -m venv "$VENV"
    }
  fi
  echo "==> Installing JIT Workspace and its Python dependencies"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --editable "$ROOT$extras"
}
