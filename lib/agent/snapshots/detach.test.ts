import { describe, expect, it } from 'vitest';
import { detachPlan } from './detach';

const pools = ['/data/pool', '/shared/pool'];
const repo = '/shared/images/tiny/1/disk.qcow2';

describe('detachPlan', () => {
  it('streams into the clone disk down to the image repository file', () => {
    const chain = [
      '/data/pool/vms/c1/disk0.qcow2',
      '/data/pool/vms/p/layer-a.qcow2',
      '/data/pool/vms/p/disk0.qcow2',
      repo,
    ];
    expect(detachPlan(chain, '/data/pool/vms/c1', pools)).toEqual({
      bottom: '/data/pool/vms/c1/disk0.qcow2',
      base: repo,
    });
  });

  it('a clone with points of its own: into its bottom layer, not its active one', () => {
    const chain = [
      '/data/pool/vms/c1/layer-x.qcow2',
      '/data/pool/vms/c1/disk0.qcow2',
      '/data/pool/vms/p/disk0.qcow2',
      repo,
    ];
    expect(detachPlan(chain, '/data/pool/vms/c1', pools)).toEqual({
      bottom: '/data/pool/vms/c1/disk0.qcow2',
      base: repo,
    });
  });

  it('a clone of a clone skips every VM directory on the way down', () => {
    const chain = [
      '/shared/pool/vms/c2/disk0.qcow2',
      '/shared/pool/vms/c1/disk0.qcow2',
      '/shared/pool/vms/p/disk0.qcow2',
      repo,
    ];
    expect(detachPlan(chain, '/shared/pool/vms/c2', pools)).toEqual({
      bottom: '/shared/pool/vms/c2/disk0.qcow2',
      base: repo,
    });
  });

  it('a parent with a standalone disk (restored copy): the clone stands alone too', () => {
    const chain = ['/data/pool/vms/c1/disk0.qcow2', '/data/pool/vms/p/disk0.qcow2'];
    expect(detachPlan(chain, '/data/pool/vms/c1', pools)).toEqual({
      bottom: '/data/pool/vms/c1/disk0.qcow2',
      base: null,
    });
  });

  it('refuses a chain that does not start in the clone directory', () => {
    expect(() => detachPlan(['/data/pool/vms/p/disk0.qcow2', repo], '/data/pool/vms/c1', pools)).toThrow(
      /does not start in its own directory/,
    );
    // A sibling directory whose name merely starts the same is not the clone's.
    expect(() => detachPlan(['/data/pool/vms/c10/disk0.qcow2', repo], '/data/pool/vms/c1', pools)).toThrow(
      /does not start/,
    );
  });
});
