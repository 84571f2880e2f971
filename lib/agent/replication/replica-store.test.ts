import { describe, expect, it } from 'vitest';
import { inReplicaDir, parseReplicaFile, stateOf } from './replica-store';

const valid = {
  format: 1,
  sourceVmId: 'vm-src-0001',
  jobId: 'job-1',
  virtualSizeBytes: 64 * 1024 * 1024,
  points: [
    {
      id: 'rpl-0123456789ab',
      layer: 'layer-rpl-0123456789ab.qcow2',
      takenAt: '2026-12-06T18:00:00.000Z',
      kind: 'full',
      fullReason: 'first run',
      bytesSent: 1024,
      layerBytes: 2048,
    },
  ],
  tests: [{ vmId: 'vm-test-0001', pointId: 'rpl-0123456789ab' }],
  promotedFrom: null,
};

describe('replica.json', () => {
  it('parses a valid file and answers it as the replica state', () => {
    const file = parseReplicaFile(valid, 'replica.json');
    expect(stateOf('r-0123456789ab', file)).toEqual({ id: 'r-0123456789ab', ...valid, format: undefined });
    expect(stateOf('r-0123456789ab', file)).not.toHaveProperty('format');
  });

  it('refuses unknown formats, extra keys and layer names that leave the directory', () => {
    expect(() => parseReplicaFile({ ...valid, format: 2 }, 'f')).toThrow(/not a valid replica file/);
    expect(() => parseReplicaFile({ ...valid, extra: 1 }, 'f')).toThrow(/not a valid replica file/);
    const evil = { ...valid, points: [{ ...valid.points[0], layer: '../../etc/passwd' }] };
    expect(() => parseReplicaFile(evil, 'f')).toThrow(/not a valid replica file/);
    expect(() => parseReplicaFile(null, 'f')).toThrow(/not a valid replica file/);
  });

  it('keeps files inside the replica directory', () => {
    expect(inReplicaDir('/pool/vms/r-1', 'layer-x.qcow2')).toBe('/pool/vms/r-1/layer-x.qcow2');
    expect(() => inReplicaDir('/pool/vms/r-1', '../r-2/layer.qcow2')).toThrow(/outside/);
    expect(() => inReplicaDir('/pool/vms/r-1', 'sub/layer.qcow2')).toThrow(/outside/);
  });
});
