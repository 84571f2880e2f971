import { describe, expect, it } from 'vitest';
import { freeMemoryMiB, placeVm, requireRoom, requireSite, siteOf, type PlacementHost } from './placement';

const GiB = 1024 ** 3;
const host = (name: string, freeGiB: number, vms: PlacementHost['vms'] = [], online = true): PlacementHost => ({
  id: name,
  name,
  site: 'main',
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
    const r = placeVm([host('h1', 2), host('h2', 6), host('h3', 10, [], false)], 1024, 'main');
    expect(r.ok && r.host.name).toBe('h2');
  });
  it('breaks ties by fewer VMs, then by name', () => {
    const busy = host('a', 4, [{ memoryMiB: 0, rssBytes: 0, state: 'stopped' }]);
    expect(placeVm([busy, host('b', 4)], 512, 'main')).toMatchObject({ ok: true, host: { name: 'b' } });
    expect(placeVm([host('d', 4), host('c', 4)], 512, 'main')).toMatchObject({ ok: true, host: { name: 'c' } });
  });
  it('reports no capacity with the best candidate numbers', () => {
    const r = placeVm([host('h1', 1), host('h2', 2)], 4096, 'main');
    expect(r).toMatchObject({ ok: false, reason: 'no-capacity', best: { host: { name: 'h2' }, freeMiB: 2048 } });
  });
  it("places only on the asked site's hosts, however empty another site's are", () => {
    const dr = { ...host('dr1', 14), site: 'dr' };
    expect(placeVm([host('m1', 2), dr], 1024, 'main')).toMatchObject({ ok: true, host: { name: 'm1' } });
    expect(placeVm([host('m1', 2), dr], 1024, 'dr')).toMatchObject({ ok: true, host: { name: 'dr1' } });
    expect(placeVm([host('m1', 8), dr], 4096, 'far')).toEqual({ ok: false, reason: 'none-online' });
    // The other site's room is not "the best candidate" either.
    expect(placeVm([host('m1', 1), dr], 4096, 'main')).toMatchObject({ best: { host: { name: 'm1' } } });
  });
  it('reports when no host is online', () => {
    expect(placeVm([host('h1', 8, [], false)], 512, 'main')).toEqual({ ok: false, reason: 'none-online' });
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
    expect(placeVm([reserved, host('h1', 1)], 512, 'main')).toMatchObject({ ok: true, host: { id: 'h1' } });
    expect(requireRoom(host('h1', 1), 512).id).toBe('h1');
  });
});

describe('requireSite / siteOf', () => {
  it('refuses a named host of another site with both sites and the reason', () => {
    const dr = { ...host('dr1', 8), site: 'dr' };
    const scope = { site: 'main', why: 'Image tiny 1 lives in site main' };
    expect(() => requireSite(dr, scope)).toThrow(
      expect.objectContaining({
        code: 'CONFLICT',
        status: 409,
        message: 'Image tiny 1 lives in site main; host dr1 is in site dr',
        data: { hostId: 'dr1', site: 'dr', need: 'main' },
      }),
    );
    expect(requireSite(host('m1', 8), scope).id).toBe('m1');
  });
  it("gives a listed host's site, the default for one not listed", () => {
    expect(siteOf([{ ...host('dr1', 8), site: 'dr' }], 'dr1')).toBe('dr');
    expect(siteOf([], 'gone')).toBe('main');
  });
});
