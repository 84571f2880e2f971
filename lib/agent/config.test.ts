import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseAgentConfig } from './config';
import { tempDir } from '@/lib/testing/temp-dir';

const base = [
  '--name',
  'h1',
  '--port',
  '7101',
  '--data',
  '/var/d',
  '--shared',
  '/srv/s',
  '--dashboard',
  'http://127.0.0.1:3000',
];

describe('agent config', () => {
  it('derives pools, image repository and agent URL from the flags', () => {
    const c = parseAgentConfig(base, {});
    expect(c).toMatchObject({
      name: 'h1',
      port: 7101,
      host: '127.0.0.1',
      intervalMs: 5000,
      agentUrl: 'http://127.0.0.1:7101',
      imagesDir: '/srv/s/images',
    });
    expect(c.pools).toEqual([
      { name: 'local', kind: 'local', path: '/var/d/pool' },
      { name: 'shared', kind: 'shared', path: '/srv/s/pool' },
    ]);
    expect(c.driver).toBeUndefined();
  });

  it('takes import locations from repeated or comma-separated flags and env; the image store is always one', () => {
    expect(parseAgentConfig(base, {}).importLocations).toEqual({ dirs: ['/srv/s/image-store'], urlPrefixes: [] });
    const c = parseAgentConfig(
      [
        ...base,
        '--import-dir',
        '/a,/b/../c',
        '--import-dir',
        '/d',
        '--import-url-prefix',
        'HTTPS://Mirror.example/pub/',
      ],
      {},
    );
    expect(c.importLocations).toEqual({
      dirs: ['/srv/s/image-store', '/a', '/c', '/d'],
      urlPrefixes: ['https://mirror.example/pub/'],
    });
    const e = parseAgentConfig(base, {
      VMOPS_AGENT_IMPORT_DIR: '/e, /f',
      VMOPS_AGENT_IMPORT_URL_PREFIX: 'http://m.example:8080/x',
    });
    expect(e.importLocations).toEqual({
      dirs: ['/srv/s/image-store', '/e', '/f'],
      urlPrefixes: ['http://m.example:8080/x'],
    });
    for (const bad of ['ftp://m.example/', 'http://u@m.example/', 'http://m.example/?q=1', 'nope']) {
      expect(() => parseAgentConfig([...base, '--import-url-prefix', bad], {})).toThrow(
        /--import-url-prefix \(VMOPS_AGENT_IMPORT_URL_PREFIX\)/,
      );
    }
  });

  it('reads env and a config file, flags winning', async () => {
    const dir = await tempDir();
    const file = path.join(dir.path, 'agent.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'fromfile', port: 1, data: '/d', shared: '/s', dashboard: 'http://x:1', intervalMs: 700 }),
    );
    const c = parseAgentConfig(['--config', file, '--port', '7200'], {
      VMOPS_AGENT_NAME: 'fromenv',
      VMOPS_DRIVER: 'qemu',
      VMOPS_AGENT_ENROLL_TOKEN: 't'.repeat(16),
    });
    expect(c).toMatchObject({
      name: 'fromenv',
      port: 7200,
      intervalMs: 700,
      driver: 'qemu',
      enrollToken: 't'.repeat(16),
    });
    await dir.remove();
  });

  it('names the bad flag and its env variable', () => {
    const err = (() => {
      try {
        parseAgentConfig([...base.slice(0, 2), '--port', 'abc', '--driver', 'xen'], {});
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/--port \(VMOPS_AGENT_PORT\)/);
    expect(err!.message).toMatch(/--driver \(VMOPS_AGENT_DRIVER\)/);
    expect(err!.message).toMatch(/--data \(VMOPS_AGENT_DATA\): is required/);
    expect(() => parseAgentConfig(['--bogus', 'x'], {})).toThrow(/Unknown option '--bogus'/);
  });
});
