#!/usr/bin/env bash
# Make sure the programs the Makefile needs exist: python3 with venv, Graphviz's `dot`, and headless Chromium.
# As root on Debian/Ubuntu it installs what is missing with apt-get; elsewhere it says what to install, and fails
# only for what the demo needs (Chromium serves the browser tests alone).
set -euo pipefail

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
# The explorer's browser tests (tests/test_explore.py) drive Debian's headless Chromium; either package will do.
command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 \
    || missing+=(chromium-headless-shell)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} with apt-get ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
    exit 0
fi

needed=0
for package in "${missing[@]}"; do
    case "$package" in
        graphviz) needed=1; echo "Graphviz's 'dot' is missing: on Debian/Ubuntu 'sudo apt-get install graphviz', on macOS 'brew install graphviz', on Windows 'winget install graphviz' (then add it to PATH)." >&2 ;;
        python3) needed=1; echo "python3 is missing: on Debian/Ubuntu 'sudo apt-get install python3 python3-venv', on macOS 'brew install python', on Windows 'winget install Python.Python.3.12'." >&2 ;;
        python3-venv) needed=1; echo "Python's venv module is missing: on Debian/Ubuntu 'sudo apt-get install python3-venv'." >&2 ;;
        chromium-headless-shell) echo "Headless Chromium (for the explorer's browser tests) is missing: on Debian/Ubuntu 'sudo apt-get install chromium-headless-shell'; elsewhere install Chromium and put it on PATH as 'chromium'." >&2 ;;
    esac
done
exit $needed
