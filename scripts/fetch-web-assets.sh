#!/usr/bin/env bash
# Put the web app's one third-party browser asset, htmx, into the virtualenv: $VENV/share/jiance/.
#
# htmx is fetched from the npm registry at a pinned version and checked against a pinned SHA-256, so the
# repository carries no third-party code and a changed file is refused. Idempotent: nothing is fetched
# when the file is present with the right hash. Usage: fetch-web-assets.sh VENV
set -euo pipefail

VENV=${1:?usage: fetch-web-assets.sh VENV}
VERSION=2.0.11
SHA256=d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
DEST="$VENV/share/jiance/htmx.min.js"

if [ -f "$DEST" ] && echo "$SHA256  $DEST" | sha256sum -c --status; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-web-assets: npm is missing (scripts/setup-system.sh installs it)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "htmx.org@$VERSION" --silent >/dev/null && tar xzf "htmx.org-$VERSION.tgz" package/dist/htmx.min.js)
echo "$SHA256  $work/package/dist/htmx.min.js" | sha256sum -c --status || {
  echo "fetch-web-assets: htmx $VERSION does not have the pinned SHA-256; refusing it" >&2; exit 1; }
mkdir -p "$(dirname "$DEST")"
cp "$work/package/dist/htmx.min.js" "$DEST"
echo "fetch-web-assets: htmx $VERSION at $DEST"
