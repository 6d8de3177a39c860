#!/usr/bin/env bash
# Print the full path of a working Python interpreter named (or given as a path) by $1, e.g.
# python3.13; exit 1 with nothing printed when there is none.
# A name on PATH is taken when it runs. pyenv's shim for a version that is installed but not
# selected (`pyenv global`) refuses to run, so pyenv's own versions are looked in next
# ($PYENV_ROOT, else ~/.pyenv), the newest patch release first.
set -u
name=${1:?usage: find_python.sh python3.13}
works() { "$1" -c 'import sys' >/dev/null 2>&1; }
if [[ $name == */* ]]; then
  works "$name" && { echo "$name"; exit 0; }
  exit 1
fi
if path=$(command -v "$name" 2>/dev/null) && works "$path"; then
  # a pyenv shim runs the selected version: report that interpreter, not the shim
  "$path" -c 'import sys; print(sys.executable)'
  exit 0
fi
root=${PYENV_ROOT:-$HOME/.pyenv}
for path in $(ls -d "$root"/versions/*/bin/"$name" 2>/dev/null | sort -V -r); do
  works "$path" && { echo "$path"; exit 0; }
done
exit 1
