#!/usr/bin/env bash
# What the tests need beyond Python packages, installed from Debian's and npm's registries only.
# Idempotent; each step says what it does and is skipped when its tool is missing (tests then skip with a reason).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need_apt+=(fonts-droid-fallback)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
command -v mosquitto >/dev/null 2>&1 || need_apt+=(mosquitto)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)  # label PDFs rendered back to images in tests
ldconfig -p 2>/dev/null | grep -q libzbar.so || need_apt+=(libzbar0)  # the scanner's optional fallback decoder
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "apt: installing ${need_apt[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "not installing ${need_apt[*]} (needs root and apt-get); the tests that need them will skip" >&2
  fi
fi

if command -v npm >/dev/null 2>&1; then
  for dir in tests/sync/powersync_node tests/browser tests/backend/zpl_renderer mobile/pwa backend/console/static; do
    if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
      echo "npm ci in $dir" >&2
      (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
else
  echo "npm not found: the PowerSync client and browser tests will skip" >&2
fi
