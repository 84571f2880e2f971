import { describe, expect, it } from 'vitest';
import { freeMemoryMiB, placeVm, requireRoom, type PlacementHost } from './placement';

const GiB = 1024 ** 3;
const host = (name: string, freeGiB: number, vms: PlacementHost['vms'] = [], online = true): PlacementHost => ({
  id: name,
  name,
  online,
  memoryTotalBytes: 16 * GiB,
  memoryUsedBytes: (16 - freeGiB) * GiB,
  vms,
});

describe('freeMemoryMiB', () => {
  it('subtracts VMs being provisioned and untouched allocation of running VMs', () => {
    const h = host('h1', 4, [
      { memoryMiB: 1024, rssBytes: 0, state: 'provisioning' },
      { memoryMiB: 1024, rssBytes: 512 * 1024 * 1024, state: 'running' },
      { memoryMiB: 2048, rssBytes: 0, state: 'stopped' },
    ]);
    expect(freeMemoryMiB(h)).toBe(4096 - 1024 - 512);
  });
  it('never goes negative', () => {
    expect(freeMemoryMiB(host('h1', 0, [{ memoryMiB: 4096, rssBytes: 0, state: 'starting' }]))).toBe(0);
  });
});

describe('placeVm', () => {
  it('picks the online host with the most free memory', () => {
    const r = placeVm([host('h1', 2), host('h2', 6), host('h3', 10, [], false)], 1024);
    expect(r.ok && r.host.name).toBe('h2');
  });
  it('breaks ties by fewer VMs, then by name', () => {
    const busy = host('a', 4, [{ memoryMiB: 0, rssBytes: 0, state: 'stopped' }]);
    expect(placeVm([busy, host('b', 4)], 512)).toMatchObject({ ok: true, host: { name: 'b' } });
    expect(placeVm([host('d', 4), host('c', 4)], 512)).toMatchObject({ ok: true, host: { name: 'c' } });
  });
  it('reports no capacity with the best candidate numbers', () => {
    const r = placeVm([host('h1', 1), host('h2', 2)], 4096);
    expect(r).toMatchObject({ ok: false, reason: 'no-capacity', best: { host: { name: 'h2' }, freeMiB: 2048 } });
  });
  it('reports when no host is online', () => {
    expect(placeVm([host('h1', 8, [], false)], 512)).toEqual({ ok: false, reason: 'none-online' });
  });
});

describe('requireRoom', () => {
  it('refuses a reserved host (an HA failover host) with its reason, before looking at memory', () => {
    const reserved = { ...host('spare', 8), maintenance: true, reserved: 'Host spare is an HA failover host' };
    expect(() => requireRoom(reserved, 512)).toThrow(
      expect.objectContaining({
        code: 'CONFLICT',
        message: 'Host spare is an HA failover host',
        data: { hostId: 'spare', reserved: true },
      }),
    );
    expect(placeVm([reserved, host('h1', 1)], 512)).toMatchObject({ ok: true, host: { id: 'h1' } });
    expect(requireRoom(host('h1', 1), 512).id).toBe('h1');
  });
});
