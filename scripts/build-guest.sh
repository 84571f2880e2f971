#!/usr/bin/env bash
# Builds the "tiny-linux" test guest from Debian packages only (nothing is installed on the host):
#   vmlinux     uncompressed ELF kernel (PVH direct boot skips ~2 s of decompression under TCG)
#   initrd.gz   busybox + scripts/guest/init + virtio/ACPI-button modules (gzip'd newc cpio)
#   disk.qcow2  empty 64 MiB data disk (the guest writes its SEQ records there)
#   manifest.json
# Output: ${VMOPS_GUEST_DIR:-<repo>/.cache/guest}. Cached: exits fast when the output is complete
# and was built from the same kernel version, init and recipe. Atomic: built in a temp dir, renamed.
# Runs unprivileged too (device nodes are written straight into the cpio, no mknod needed).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${VMOPS_GUEST_DIR:-$REPO/.cache/guest}"
INIT_SRC="$REPO/scripts/guest/init"
DISK_SIZE=64M
APPEND="console=ttyS0 quiet panic=-1"
# Loaded in this order with insmod (there is no modprobe/depmod data in the initramfs).
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk button evdev)

log() { echo "build-guest: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in apt-get apt-cache dpkg-deb xz cpio gzip qemu-img sha256sum flock; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool' (apt-get install qemu-utils cpio xz-utils)"
done

# A change to the recipe or the init script must rebuild, so both go into the fingerprint.
FINGERPRINT="$(cat "${BASH_SOURCE[0]}" "$INIT_SRC" | sha256sum | cut -d' ' -f1)"

# The kernel package that linux-image-amd64 currently depends on, e.g. linux-image-6.1.0-56-amd64.
kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}

manifest_field() { sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" "$1" | head -n1; }

is_complete() { # $1 = dir, $2 = expected kernel version (may be empty: accept any)
  local d="$1" m="$1/manifest.json"
  [[ -s "$d/vmlinux" && -s "$d/initrd.gz" && -s "$d/disk.qcow2" && -s "$m" ]] || return 1
  [[ "$(manifest_field "$m" fingerprint)" == "$FINGERPRINT" ]] || return 1
  [[ -z "$2" || "$(manifest_field "$m" kernelVersion)" == "$2" ]] || return 1
}

# Fastest path: complete, same recipe, and the apt lists have not changed since the build, so the
# kernel linux-image-amd64 points at cannot have changed either (apt-cache alone takes ~1 s here).
if is_complete "$OUT" "" && [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$OUT/manifest.json" -print -quit 2>/dev/null)" ]]; then
  exit 0
fi

has_candidate() {
  local c
  c="$(apt-cache policy linux-image-amd64 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  [[ -n "$c" && "$c" != "(none)" ]]
}

PKG=""
if has_candidate; then PKG="$(kernel_pkg || true)"; fi
KVER="${PKG#linux-image-}"

# Fast path (no lock, no download): complete and current.
if [[ -n "$KVER" ]] && is_complete "$OUT" "$KVER"; then
  log "up to date: $OUT (kernel ${KVER:-unknown})"
  exit 0
fi

if [[ -z "$PKG" ]]; then
  if is_complete "$OUT" ""; then
    log "no apt package lists; keeping existing guest in $OUT"
    exit 0
  fi
  if [[ "$(id -u)" == 0 ]]; then
    log "linux-image-amd64 has no candidate; running apt-get update"
    apt-get update -qq >&2
    if has_candidate; then PKG="$(kernel_pkg || true)"; fi
    KVER="${PKG#linux-image-}"
    [[ -n "$PKG" ]] || die "linux-image-amd64 still has no candidate after apt-get update"
  else
    log "linux-image-amd64 has no candidate in the apt lists. Run this as root, then run me again:"
    echo "  sudo apt-get update" >&2
    exit 1
  fi
fi

mkdir -p "$(dirname "$OUT")"
# Several test runs may build at once: one builds, the others wait and reuse the result.
exec 9>"$OUT.lock"
flock 9
if is_complete "$OUT" "$KVER"; then
  log "built by another process: $OUT"
  exit 0
fi

TMP="$(mktemp -d "$OUT.tmp.XXXXXX")"
chmod 0755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
DEBS="$(dirname "$OUT")/guest-debs"
mkdir -p "$DEBS"

download() { # $1 = package; keeps .debs so a rebuild (e.g. init changed) does not re-download
  local pkg="$1" f
  f="$(ls "$DEBS/${pkg}"_*.deb 2>/dev/null | head -n1 || true)"
  if [[ -z "$f" ]]; then
    log "downloading $pkg"
    (cd "$DEBS" && apt-get download "$pkg" >&2 2> >(grep -v 'unsandboxed as root' >&2)) || die "apt-get download $pkg failed"
    f="$(ls "$DEBS/${pkg}"_*.deb | head -n1)"
  fi
  echo "$f"
}

KDEB="$(download "$PKG")"
BDEB="$(download busybox-static)"
mkdir -p "$TMP/kpkg" "$TMP/bpkg"
dpkg-deb -x "$KDEB" "$TMP/kpkg"
dpkg-deb -x "$BDEB" "$TMP/bpkg"

# --- kernel: the XZ payload inside the bzImage is the ELF vmlinux ---
BZ="$TMP/kpkg/boot/vmlinuz-$KVER"
[[ -f "$BZ" ]] || die "no $BZ in $KDEB"
OFF="$(LC_ALL=C grep -m1 -obUaP '\xFD7zXZ\x00' "$BZ" | cut -d: -f1)"
[[ -n "$OFF" ]] || die "no XZ payload in $BZ (kernel not XZ-compressed?)"
tail -c +"$((OFF + 1))" "$BZ" | xz -dc --single-stream >"$TMP/vmlinux" 2>/dev/null || true
[[ "$(head -c4 "$TMP/vmlinux" | od -An -tx1 | tr -d ' ')" == "7f454c46" ]] || die "decompressed payload is not an ELF vmlinux"

# --- initramfs ---
ROOT="$TMP/root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc/acpi/PWRF,lib/modules}
cp "$TMP/bpkg/bin/busybox" "$ROOT/bin/busybox"
while read -r applet; do
  [[ "$applet" == bin/busybox ]] && continue
  # Relative symlink to /bin/busybox from the applet's directory.
  up="$(dirname "$applet" | sed 's#[^/][^/]*#..#g')"
  ln -sf "$up/bin/busybox" "$ROOT/$applet"
done < <("$ROOT/bin/busybox" --list-full)
install -m 0755 "$INIT_SRC" "$ROOT/init"
# busybox acpid runs /etc/acpi/PWRF/00000080 when the ACPI power button (QMP system_powerdown)
# is pressed: this is what makes a graceful shutdown of the test guest work.
cat >"$ROOT/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "VMOPS-POWEROFF" >/dev/ttyS0
sync
exec poweroff -f
EOF
chmod 0755 "$ROOT/etc/acpi/PWRF/00000080"

MODDIR="$TMP/kpkg/lib/modules/$KVER"
for m in "${MODULES[@]}"; do
  f="$(find "$MODDIR" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)"
  [[ -n "$f" ]] || die "module $m not found under $MODDIR"
  case "$f" in
    *.ko.xz) xz -dc "$f" >"$ROOT/lib/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$f" >"$ROOT/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" >"$ROOT/lib/modules/$m.ko" ;;
    *) cp "$f" "$ROOT/lib/modules/$m.ko" ;;
  esac
done
printf '%s\n' "${MODULES[@]}" >"$ROOT/lib/modules/order"

# newc entry for a device node, written by hand so no root/mknod is needed. The kernel unpacks
# concatenated cpio archives, so these go in a second archive after the one GNU cpio writes.
newc_node() { # name mode(octal) major minor
  local name="$1" mode=$((8#$2)) maj="$3" min="$4" namesize hdr pad
  namesize=$(( ${#name} + 1 ))
  hdr="$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
    0 "$mode" 0 0 1 0 0 0 0 "$maj" "$min" "$namesize" 0)"
  printf '%s%s\0' "$hdr" "$name"
  pad=$(( (4 - (110 + namesize) % 4) % 4 ))
  head -c "$pad" /dev/zero
}
nodes_archive() {
  newc_node dev/console 020600 5 1
  newc_node dev/null 020666 1 3
  newc_node dev/ttyS0 020600 4 64
  newc_node TRAILER!!! 0 0 0
}

{
  (cd "$ROOT" && find . -mindepth 1 | sed 's#^\./##' | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
  nodes_archive
} | gzip -9 -n >"$TMP/initrd.gz"

# --- data disk ---
qemu-img create -q -f qcow2 "$TMP/disk.qcow2" "$DISK_SIZE"

cat >"$TMP/manifest.json" <<EOF
{
  "name": "tiny-linux",
  "version": "1.0",
  "kernelVersion": "$KVER",
  "kernelPackage": "$PKG",
  "busybox": "$(basename "$BDEB")",
  "append": "$APPEND",
  "kernel": "vmlinux",
  "initrd": "initrd.gz",
  "disk": "disk.qcow2",
  "fingerprint": "$FINGERPRINT",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
rm -rf "$TMP/kpkg" "$TMP/bpkg" "$ROOT"

# Swap in atomically: readers see either the old complete dir or the new one.
if [[ -e "$OUT" ]]; then
  OLD="$(mktemp -d "$OUT.old.XXXXXX")"
  mv "$OUT" "$OLD/guest"
  mv "$TMP" "$OUT"
  rm -rf "$OLD"
else
  mv "$TMP" "$OUT"
fi
trap - EXIT
log "built $OUT (kernel $KVER, vmlinux $(du -h "$OUT/vmlinux" | cut -f1), initrd $(du -h "$OUT/initrd.gz" | cut -f1))"
