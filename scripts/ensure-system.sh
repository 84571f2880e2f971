#!/usr/bin/env bash
# Makes sure the system packages vmops needs are present. As root it installs what is missing
# with apt-get; otherwise it prints the exact command and fails (or, for `start`, falls back to
# the simulated driver when only QEMU is missing).
#   scripts/ensure-system.sh start   QEMU wanted (simulated driver without it), guest build tools
#   scripts/ensure-system.sh test    QEMU, Chromium and PostgreSQL's server (the integration
#                                    tests run on both databases) required
#   scripts/ensure-system.sh postgres   PostgreSQL's server (`npm start -- --postgres`)
set -euo pipefail
mode=${1:-start}

missing=()
have() { command -v "$1" >/dev/null 2>&1; }
# Debian's server binaries are not on PATH: /usr/lib/postgresql/<version>/bin.
have_pg() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
if [ "$mode" = postgres ]; then
  have_pg || missing+=(postgresql)
else
  have qemu-system-x86_64 || missing+=(qemu-system-x86)
  have qemu-img || missing+=(qemu-utils)
  have xz || missing+=(xz-utils)
  have cpio || missing+=(cpio)
  have zstd || missing+=(zstd) # memory checkpoints compress the guest's state
  if [ "$mode" = test ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    have_pg || missing+=(postgresql)
  fi
fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

line="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  echo "vmops: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

# Without QEMU the product still starts, on the simulated driver (the guest tools are then moot).
if [ "$mode" = start ] && ! have qemu-system-x86_64; then
  echo "vmops: missing system packages: ${missing[*]}. The agents will use the SIMULATED driver (VMs are not real)."
  echo "vmops: for real QEMU run as root: $line"
  exit 0
fi
echo "vmops: missing system packages: ${missing[*]}. Run as root, then try again:" >&2
echo "  $line" >&2
exit 1
