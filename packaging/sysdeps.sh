#!/usr/bin/env bash
# Install the Debian/Ubuntu packages given as arguments where they are missing.
# Quiet when everything is present; a clear message when it cannot install.
set -u
missing=()
if ! command -v dpkg-query >/dev/null 2>&1; then
  exit 0  # not a Debian-like system: nothing to check
fi
for pkg in "$@"; do
  # Debian 13 and Ubuntu 24.04 renamed some libraries for 64-bit time_t (libglib2.0-0t64):
  # the old name is then only provided, and dpkg-query knows just the new one
  status=$(dpkg-query -W -f='${Status}\n' "$pkg" "${pkg}t64" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing+=("$pkg") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ctaviewer: installing system libraries Qt needs: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "ctaviewer: cannot install them (not root, no password-less sudo). Please run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 0  # offscreen tests still run without the X libraries
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    # some names differ between releases: install what exists, one by one
    for pkg in "${missing[@]}"; do
      $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 \
        || echo "ctaviewer: could not install $pkg (continuing)" >&2
    done
  fi
fi
exit 0
