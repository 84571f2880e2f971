// The real QEMU driver (see qemu-driver.ts) and the lookups the agent needs before choosing it.
export { createQemuDriver, type QemuDriverOptions } from './qemu-driver';
export { findQemuBinary, findQemuImg, qemuVersion } from './binaries';
export { chooseAccelerator, detectAccelerator, type AccelChoice, type AccelFacts } from './accel';
