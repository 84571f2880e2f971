import { describe, expect, it } from 'vitest';
import { parseQemuVersion } from './binaries';
import { parseInfo, ProgressParser } from './qemu-img';

describe('ProgressParser (qemu-img convert -p)', () => {
  it('parses the real output of qemu-img 7.2', () => {
    const p = new ProgressParser();
    expect(p.push('    (0.00/100%)\r    (1.01/100%)\r    (50.50/100%)\r    (100.00/100%)\r\n')).toEqual([
      0, 0.0101, 0.505, 1,
    ]);
  });

  it('handles reports split across chunks anywhere', () => {
    const p = new ProgressParser();
    const text = '    (12.34/100%)\r    (56.78/100%)\r    (100.00/100%)\r';
    const out: number[] = [];
    for (const ch of text) out.push(...p.push(ch));
    expect(out).toEqual([0.1234, 0.5678, 1]);
  });

  it('never goes backwards and ignores noise', () => {
    const p = new ProgressParser();
    expect(p.push('(40.00/100%)\r(30.00/100%)\rjunk (x/100%) (60/100%)')).toEqual([0.4, 0.6]);
  });
});

describe('parseInfo (qemu-img info --output=json)', () => {
  it('maps sizes, format and the full backing path', () => {
    const json = JSON.stringify({
      'virtual-size': 67108864,
      filename: '/p/vms/a/disk0.qcow2',
      format: 'qcow2',
      'actual-size': 200704,
      'backing-filename': '/repo/tiny/disk.qcow2',
      'full-backing-filename': '/repo/tiny/disk.qcow2',
      'backing-filename-format': 'qcow2',
    });
    expect(parseInfo(json)).toEqual({
      virtualSizeBytes: 67108864,
      actualSizeBytes: 200704,
      backingPath: '/repo/tiny/disk.qcow2',
      format: 'qcow2',
    });
    expect(parseInfo('{"virtual-size": 1, "format": "raw"}')).toEqual({
      virtualSizeBytes: 1,
      actualSizeBytes: 0,
      backingPath: null,
      format: 'raw',
    });
  });
});

describe('parseQemuVersion', () => {
  it('reads the version from --version', () => {
    expect(
      parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022'),
    ).toBe('7.2.22');
    expect(parseQemuVersion('garbage')).toBeNull();
  });
});
