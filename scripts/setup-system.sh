#!/usr/bin/env bash
# System packages the build needs: a C++ toolchain and python3 for node-gyp (the native addon of
# @sanshare/transport-uds). Installed with apt only when missing, so a developer machine that has
# them is left alone.
set -euo pipefail
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "sanshare needs: ${missing[*]} (for node-gyp); install them and rerun." >&2
    exit 1
  fi
fi
