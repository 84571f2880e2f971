import { describe, expect, it, vi } from 'vitest';
import { QEMU_INSTALL_HINT, selectDriver, type SelectDeps } from './select';
import type { Driver } from './types';

const pools = [{ name: 'local', kind: 'local' as const, path: '/tmp/nowhere' }];
const qemuDriver = { kind: 'qemu' } as Driver;

function deps(has: { qemu: boolean; img: boolean }): SelectDeps {
  return {
    findQemuBinary: () => (has.qemu ? '/usr/bin/qemu-system-x86_64' : null),
    findQemuImg: () => (has.img ? '/usr/bin/qemu-img' : null),
    createQemuDriver: vi.fn(async () => qemuDriver),
  };
}

describe('selectDriver', () => {
  it('uses QEMU by default when both binaries are found', async () => {
    const d = deps({ qemu: true, img: true });
    expect(await selectDriver({ pools, log: () => {} }, d)).toBe(qemuDriver);
    expect(d.createQemuDriver).toHaveBeenCalledWith(
      expect.objectContaining({ pools, qemuBinary: '/usr/bin/qemu-system-x86_64' }),
    );
  });

  it('falls back to the simulated driver with a loud banner', async () => {
    const lines: string[] = [];
    const driver = await selectDriver({ pools, log: (l) => lines.push(l) }, deps({ qemu: true, img: false }));
    expect(driver.kind).toBe('simulated');
    expect(lines).toContain('SIMULATED DRIVER: no QEMU on this machine — VMs are not real');
    expect(lines.join('\n')).toContain('qemu-img not found');
    expect((await driver.info()).kind).toBe('simulated');
  });

  it('fails with the apt-get line when --driver qemu is asked for without QEMU', async () => {
    await expect(
      selectDriver({ requested: 'qemu', pools, log: () => {} }, deps({ qemu: false, img: false })),
    ).rejects.toThrow(QEMU_INSTALL_HINT);
    expect(QEMU_INSTALL_HINT).toBe('apt-get update && apt-get install -y qemu-system-x86 qemu-utils');
  });

  it('honours --driver simulated even when QEMU exists', async () => {
    const d = deps({ qemu: true, img: true });
    expect((await selectDriver({ requested: 'simulated', pools, log: () => {} }, d)).kind).toBe('simulated');
    expect(d.createQemuDriver).not.toHaveBeenCalled();
  });
});
