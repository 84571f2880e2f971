import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseAgentConfig } from './config';
import { tempDir } from './testing';

const base = ['--name', 'h1', '--port', '7101', '--data', '/var/d', '--shared', '/srv/s', '--dashboard', 'http://127.0.0.1:3000'];

describe('agent config', () => {
  it('derives pools, image repository and agent URL from the flags', () => {
    const c = parseAgentConfig(base, {});
    expect(c).toMatchObject({ name: 'h1', port: 7101, host: '127.0.0.1', intervalMs: 5000, agentUrl: 'http://127.0.0.1:7101', imagesDir: '/srv/s/images' });
    expect(c.pools).toEqual([
      { name: 'local', kind: 'local', path: '/var/d/pool' },
      { name: 'shared', kind: 'shared', path: '/srv/s/pool' },
    ]);
    expect(c.driver).toBeUndefined();
  });

  it('reads env and a config file, flags winning', async () => {
    const dir = await tempDir();
    const file = path.join(dir.path, 'agent.json');
    await writeFile(file, JSON.stringify({ name: 'fromfile', port: 1, data: '/d', shared: '/s', dashboard: 'http://x:1', intervalMs: 700 }));
    const c = parseAgentConfig(['--config', file, '--port', '7200'], { VMOPS_AGENT_NAME: 'fromenv', VMOPS_DRIVER: 'qemu', VMOPS_AGENT_ENROLL_TOKEN: 't'.repeat(16) });
    expect(c).toMatchObject({ name: 'fromenv', port: 7200, intervalMs: 700, driver: 'qemu', enrollToken: 't'.repeat(16) });
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
