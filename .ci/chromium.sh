#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser tests (server/console, driven
# headless through chromedp) if it is missing, and prints its path. Idempotent.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
echo /usr/bin/chromium
