import { describe, expect, it } from 'vitest';
import { guestRamInUse, guestRamMapping, isZeroPage } from './guest-ram';

const MiB = 1024 * 1024;
// /proc/<pid>/maps of a QEMU with -m 128M (TCG), as read on the bench host.
const MAPS = [
  '7f98a4000000-7f98a7edb000 rw-p 00000000 fe:00 4489605                    /tmp/images/tiny-linux/vmlinux',
  '7f98a804e000-7f98ac000000 ---p 00000000 00:00 0 ',
  '7f98afe00000-7f98b7e00000 rw-p 00000000 00:00 0 ',
  '7f98b8000000-7f98bbfff000 rwxp 00000000 00:00 0 ',
].join('\n');

describe('guest RAM in use', () => {
  it("finds the anonymous read-write mapping of exactly the guest's memory", () => {
    expect(guestRamMapping(MAPS, 128 * MiB)).toEqual({ start: 0x7f98afe00000, end: 0x7f98b7e00000 });
    expect(guestRamMapping(MAPS, 256 * MiB)).toBeNull(); // another layout: unknown, not guessed
  });

  it('a page is zero only when every byte is', () => {
    const page = Buffer.alloc(4096);
    expect(isZeroPage(page)).toBe(true);
    page[4095] = 1;
    expect(isZeroPage(page)).toBe(false);
  });

  it('is null for a process it cannot read', async () => {
    expect(await guestRamInUse(2 ** 22 + 1, 128 * MiB)).toBeNull();
  });
});
