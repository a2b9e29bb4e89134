#!/usr/bin/env bash
# Install the Debian packages jiance needs outside PyPI, and nothing when they are already there.
#
# Why each package:
#   python3 python3-venv   the Makefile builds .venv with `python3 -m venv` (Debian splits ensurepip out)
#   make git ca-certificates  the build itself, CI clones, and pip over TLS
#   poppler-utils          pdftoppm / pdftotext: render checks of the PDFs we publish
#   fonts-wqy-zenhei       a CJK font with TrueType outlines reportlab can embed (wqy-zenhei.ttc)
#   fonts-noto-cjk         CJK fonts for the HTML/WeasyPrint publishing path
#   fontconfig             fc-list / fc-match, so renderers can find those fonts
#   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   WeasyPrint's native text stack
#   chromium               headless browser for the web app's end-to-end tests (driven by Playwright
#                          with this executable; Playwright never downloads a browser of its own)
#   npm                    only when no npm is on PATH: fetch-web-assets.sh takes htmx from the npm registry
#   postgresql             the server store's tests: they start their own server (initdb + pg_ctl from
#                          /usr/lib/postgresql/N/bin) in a temporary directory on loopback; the package's
#                          own cluster is not used. postgresql-contrib brings pg_trgm.
#
# Idempotent: packages are checked with `dpkg -s` first; `apt-get update` runs only when something is
# missing. Runs as root without sudo, or through sudo when not root. Safe under CI (no stdin).
set -euo pipefail

PACKAGES=(
  python3 python3-venv make git ca-certificates
  poppler-utils fonts-wqy-zenhei fonts-noto-cjk fontconfig
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  chromium
  postgresql postgresql-contrib
)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
# The font reportlab embeds; checked after install because its path is what the publisher relies on.
CJK_TTC=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-system: all ${#PACKAGES[@]} packages present, nothing to do"
else
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "setup-system: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup-system: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

if [ ! -f "$CJK_TTC" ]; then
  echo "setup-system: expected CJK font $CJK_TTC is missing after install" >&2
  exit 1
fi
echo "setup-system: CJK font at $CJK_TTC"

# The tests run the server as the package's `postgres` user when they are root (PostgreSQL refuses root).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup-system: PostgreSQL server binaries missing under /usr/lib/postgresql after install" >&2
  exit 1
fi
echo "setup-system: PostgreSQL server at $(ls -d /usr/lib/postgresql/*/bin | tail -1)"
