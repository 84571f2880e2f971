import { describe, expect, it } from 'vitest';
import { admit, protection, type AdmissionHost, type AdmissionPolicy } from './admission';

const tolerate = (n: number): AdmissionPolicy => ({
  enabled: true,
  admission: 'tolerate',
  hostFailuresToTolerate: n,
  failoverHostIds: [],
});
const h = (id: string, haMiB: number, spareMiB: number, site = 'main'): AdmissionHost => ({
  id,
  site,
  haMiB,
  spareMiB,
});

// Brute force over every set of n hosts: the pure module claims the top n by HA + spare is the worst.
function bruteForce(hosts: AdmissionHost[], n: number): boolean {
  const total = hosts.reduce((a, x) => a + x.spareMiB, 0);
  const sets = (from: number, k: number): AdmissionHost[][] =>
    k === 0 ? [[]] : hosts.slice(from).flatMap((x, i) => sets(from + i + 1, k - 1).map((s) => [x, ...s]));
  return sets(0, n).every((f) => f.reduce((a, x) => a + x.haMiB, 0) <= total - f.reduce((a, x) => a + x.spareMiB, 0));
}

describe('protection', () => {
  it('needs the HA memory of the worst hosts to fit in the spare memory of the others', () => {
    const hosts = [h('a', 2048, 1024), h('b', 1024, 2048), h('c', 512, 4096)];
    // Worst single host: c (512 + 4096) -> needs 512, spare elsewhere 3072.
    expect(protection(hosts, tolerate(1))).toEqual({
      requiredMiB: 512,
      spareMiB: 3072,
      tolerate: 1,
      failuresTolerated: 1,
      hostsCounted: 3,
      ok: true,
    });
    // Worst two: c and a (a and b tie) -> need 2560, spare left 2048.
    expect(protection(hosts, tolerate(2))).toMatchObject({ requiredMiB: 2560, spareMiB: 2048, ok: false });
  });

  it('agrees with a search over every set of failed hosts', () => {
    let seed = 7;
    const rnd = (m: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
    for (let trial = 0; trial < 300; trial++) {
      const hosts = Array.from({ length: 2 + rnd(4) }, (_, i) => h(`h${i}`, rnd(4) * 512, rnd(6) * 512));
      for (let n = 1; n < hosts.length; n++) expect(protection(hosts, tolerate(n)).ok).toBe(bruteForce(hosts, n));
    }
  });

  it('counts failures tolerated one short of the whole cluster, and none for a lone host', () => {
    expect(protection([h('a', 0, 100), h('b', 0, 100)], tolerate(1)).failuresTolerated).toBe(1);
    expect(protection([h('a', 512, 4096)], tolerate(1))).toMatchObject({ failuresTolerated: 0, ok: false });
  });

  it('in failover-hosts mode, only the failover hosts offer room (N:K)', () => {
    const policy: AdmissionPolicy = {
      enabled: true,
      admission: 'failover-hosts',
      hostFailuresToTolerate: 3,
      failoverHostIds: ['spare'],
    };
    const hosts = [h('a', 1024, 3000), h('b', 2048, 3000), h('spare', 0, 2048)];
    expect(protection(hosts, policy)).toEqual({
      requiredMiB: 2048,
      spareMiB: 2048,
      tolerate: 1,
      failuresTolerated: 1,
      hostsCounted: 3,
      ok: true,
    });
    expect(protection([h('a', 1024, 0), h('b', 4096, 0), h('spare', 0, 2048)], policy).ok).toBe(false);
  });
});

describe('admit', () => {
  const hosts = [h('a', 1024, 2048), h('b', 1024, 2048)];

  it('refuses a start that would leave too little room, with the numbers', () => {
    expect(admit(hosts, tolerate(1), [{ hostId: 'a', usedMiB: 512, haMiB: 0 }])).toEqual({ ok: true });
    expect(admit(hosts, tolerate(1), [{ hostId: 'a', usedMiB: 1536, haMiB: 0 }])).toEqual({
      ok: false,
      requiredMiB: 1024,
      spareMiB: 512,
      tolerate: 1,
    });
  });

  it('counts enabling HA as HA memory without new use', () => {
    expect(admit(hosts, tolerate(1), [{ hostId: 'a', usedMiB: 0, haMiB: 1024 }])).toEqual({ ok: true });
    expect(admit(hosts, tolerate(1), [{ hostId: 'a', usedMiB: 0, haMiB: 1025 }])).toMatchObject({
      ok: false,
      requiredMiB: 2049,
      spareMiB: 2048,
    });
  });

  it('lets through a move that leaves an already short cluster no worse', () => {
    const short = [h('a', 3072, 0), h('b', 0, 1024), h('c', 0, 1024)];
    expect(protection(short, tolerate(1)).ok).toBe(false);
    expect(
      admit(short, tolerate(1), [
        { hostId: 'a', usedMiB: -1024, haMiB: -1024 },
        { hostId: 'c', usedMiB: 1024, haMiB: 1024 },
      ]).ok,
    ).toBe(true);
    expect(admit(short, tolerate(1), [{ hostId: 'b', usedMiB: 512, haMiB: 0 }]).ok).toBe(false);
  });

  it('refuses nothing when admission control is off or HA disabled', () => {
    const big = [{ hostId: 'a', usedMiB: 99_999, haMiB: 99_999 }];
    expect(admit(hosts, { ...tolerate(1), admission: 'off' }, big).ok).toBe(true);
    expect(admit(hosts, { ...tolerate(1), enabled: false }, big).ok).toBe(true);
  });
});

describe('sites', () => {
  it("counts each site on its own: another site's spare memory protects nothing", () => {
    // One cluster of three would tolerate a failure of a (1024 MiB of HA VMs, 4096 spare elsewhere).
    const hosts = [h('a', 1024, 0), h('b', 0, 512), h('dr1', 0, 4096, 'dr')];
    expect(protection([h('a', 1024, 0), h('b', 0, 512), h('dr1', 0, 4096)], tolerate(1)).ok).toBe(true);
    expect(protection(hosts, tolerate(1))).toMatchObject({
      ok: false,
      requiredMiB: 1024,
      spareMiB: 512,
      hostsCounted: 2,
    });
  });

  it('judges an action on the sites it touches', () => {
    const hosts = [h('a', 1024, 2048), h('b', 1024, 2048), h('dr1', 1024, 0, 'dr'), h('dr2', 0, 512, 'dr')];
    // The dr site is short already; a start in main that keeps main protected is let through.
    expect(admit(hosts, tolerate(1), [{ hostId: 'a', usedMiB: 512, haMiB: 0 }])).toEqual({ ok: true });
    expect(admit(hosts, tolerate(1), [{ hostId: 'a', usedMiB: 1536, haMiB: 0 }])).toMatchObject({ ok: false });
    expect(admit(hosts, tolerate(1), [{ hostId: 'dr2', usedMiB: 256, haMiB: 0 }])).toMatchObject({
      ok: false,
      requiredMiB: 1024,
      spareMiB: 256,
    });
  });

  it('in N:K, the site with the failover hosts is the one shown', () => {
    const policy: AdmissionPolicy = { ...tolerate(0), admission: 'failover-hosts', failoverHostIds: ['spare'] };
    const hosts = [h('a', 1024, 0), h('spare', 0, 2048), h('dr1', 0, 0, 'dr')];
    expect(protection(hosts, policy)).toMatchObject({ tolerate: 1, failuresTolerated: 1, hostsCounted: 2, ok: true });
  });
});
