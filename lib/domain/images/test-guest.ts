// The minimum memory the test guest (scripts/build-guest.sh: Debian 6.1 vmlinux loaded directly +
// busybox initramfs) declares when `npm start` and the tests import it. Measured under TCG with
// the QEMU driver: 32 and 48 MiB do not start, 64 MiB never prints its ready line, 72 and 80 MiB
// panic at boot, 88 MiB reaches VMOPS-READY; 96 leaves a margin.
export const TEST_GUEST_MIN_MEMORY_MIB = 96;
