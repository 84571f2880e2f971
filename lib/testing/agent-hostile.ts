// Pieces of the agent's bad-input suite (lib/agent/hostile-suite.ts): raw HTTP calls, a listing of the
// agent's directories, and the hostile params, queries, targets and secrets it sends.
import { readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { PATH_TRICKS } from './hostile-inputs';

export type Answer = { status: number; body: string; ms: number };

// node:http sends the path exactly as given (fetch would resolve "..", "%2e%2e" first).
export function httpCall(
  port: number,
  method: string,
  target: string,
  body: string | undefined,
  authorization: string | null,
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(authorization === null ? {} : { authorization }) };
    if (body !== undefined)
      Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Date.now() - started }),
        );
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${target.slice(0, 80)}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Every file and directory under `roots`, with size and mtime: a rejected request must not
// have created, removed or touched anything. `skip`: directories that change by themselves.
export async function listTree(roots: string[], skip: string[] = []): Promise<string> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (skip.includes(p)) continue;
      const s = await stat(p).catch(() => null);
      out.push(`${p} ${e.isDirectory() ? 'd' : 'f'} ${s?.size} ${s?.mtimeMs}`);
      if (e.isDirectory()) await walk(p);
    }
  };
  for (const root of roots) await walk(root);
  return out.sort().join('\n');
}

export const BENIGN_ID = 'vm-nope-0001'; // well-formed, names nothing
// A benign :pointId is shaped like a replica point id (also a valid snapshot point id), so routes
// that check the point id's shape still reach their body checks.
const BENIGN_POINT_ID = 'rpl-0123456789ab';
export const fill = (pattern: string, value: string) =>
  pattern.replace(/:[A-Za-z]+/g, (p) => (value === BENIGN_ID && p === ':pointId' ? BENIGN_POINT_ID : value));
export const routeKey = (r: { method: string; pattern: string }) => `${r.method} ${r.pattern}`;

// Raw path segments: dot segments plain and encoded, separators, NUL, malformed escapes, names
// of Object.prototype members, too long, wrong case.
export const PARAM_TRICKS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fetc',
  '%2Fetc%2Fpasswd',
  'vm%00x',
  '%00',
  '%ZZ',
  '__proto__',
  'constructor',
  'VM-UPPER',
  '%C3%BC',
  'a'.repeat(5000),
  ...PATH_TRICKS.map(encodeURIComponent),
];
export const QUERY_TRICKS = [
  '?__proto__=1&constructor=x&toString=1',
  '?lines=1e308',
  '?lines=-1&lines=abc',
  `?lines=${'9'.repeat(400)}`,
  '?lines=%00',
  '?unknown=1',
];
// Whole request targets no route pattern makes: malformed, absolute-form, dot segments above the root.
export const RAW_TARGETS = [
  '//[',
  'http://[::1',
  '*',
  '/v1/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/v1/vms/%',
  `/${'a/'.repeat(2000)}`,
  '/v1/info?%ZZ=1',
];
export const SECRETS = [
  null,
  'Bearer wrong',
  `Bearer ${'x'.repeat(10_000)}`,
  `Basic ${Buffer.from('a:b').toString('base64')}`,
  'Bearer',
];

// Tricks on a valid path p: [trick, must be refused]. Those that leave p (dot segments up to /etc,
// NUL, relative) must be refused; those naming the same file ("//", "/./", "x/../x") may be
// normalised and then only must not fail.
export const pathTricks = (p: string): [string, boolean][] => [
  [`${p}/${'../'.repeat(12)}etc/passwd`, true],
  [`${p}\u0000.qcow2`, true],
  [p.slice(1), true],
  [`${p}/./x`, false],
  [`/${p}`, false],
  [`${p.replace(/\/[^/]*$/, '')}/../${p.split('/').slice(-2).join('/')}`, false],
];
