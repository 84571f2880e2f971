import { describe, expect, it } from 'vitest';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { enrollmentCommand, sharedMountOf, shellQuote } from './enrollment-command';

const pool = (kind: 'local' | 'shared', path: string) => ({
  name: kind,
  kind,
  path,
  totalBytes: 1,
  freeBytes: 1,
  updatedAt: '',
});
const host = (status: HostDto['status'], ...pools: HostDto['pools']) => ({ name: `${status}-host`, status, pools });

describe('sharedMountOf', () => {
  it('strips the pool directory from the shared pool path, preferring online hosts', () => {
    const hosts = [
      host('offline', pool('shared', '/mnt/old/pool')),
      host('online', pool('local', '/var/lib/vmops/pool'), pool('shared', '/mnt/shared/pool')),
    ];
    expect(sharedMountOf(hosts)).toEqual({ mount: '/mnt/shared', hostName: 'online-host' });
  });

  it('falls back to any host, and is null when no host reports shared storage', () => {
    expect(sharedMountOf([host('offline', pool('shared', '/srv/s/pool/'))])).toEqual({
      mount: '/srv/s',
      hostName: 'offline-host',
    });
    expect(sharedMountOf([host('online', pool('local', '/var/lib/vmops/pool'))])).toBeNull();
    expect(sharedMountOf([])).toBeNull();
  });
});

describe('enrollmentCommand', () => {
  it('builds the agent command line', () => {
    expect(
      enrollmentCommand({
        hostName: 'h3',
        token: 'abc_-1',
        sharedMount: '/mnt/shared',
        dashboardUrl: 'http://10.0.0.1:3000',
      }),
    ).toBe(
      'npm run agent -- --name h3 --port 7101 --data /var/lib/vmops --shared /mnt/shared --dashboard http://10.0.0.1:3000 --enroll-token abc_-1',
    );
  });

  it('quotes arguments the shell would split or expand', () => {
    expect(shellQuote('/mnt/my share')).toBe(`'/mnt/my share'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('$HOME')).toBe(`'$HOME'`);
  });
});
