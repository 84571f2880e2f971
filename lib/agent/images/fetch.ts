// Copies an image source (a checked local file or an allowed http/https URL) to a file while
// computing its sha256 and reporting progress, in one streaming pass: images can be large and are
// read only once. Every step is bounded: response headers, idle socket, total time and size.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { noSuchObject, timeout } from '@/lib/errors';
import type { ImageSource } from '@/lib/agent-protocol/core';
import {
  IMPORT_MAX_BYTES,
  openLocalSource,
  refuse,
  tooLarge,
  urlAllowed,
  type ImportLocations,
  type OpenedSource,
  type SourceField,
} from './locations';

export type FetchResult = { bytes: number; sha256: string };
export type FetchLimits = { headersMs: number; idleMs: number; totalMs: number; maxBytes: number };
export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  headersMs: 15_000,
  idleMs: 30_000,
  totalMs: 2 * 3600_000,
  maxBytes: IMPORT_MAX_BYTES,
};

// A source that passed the location check: an open file descriptor, or a URL (whose redirects are
// checked again while fetching).
export type CheckedSource = { field: SourceField; loc: ImportLocations } & ({ file: OpenedSource } | { url: string });

const MAX_REDIRECTS = 5;

export async function checkSource(
  field: SourceField,
  source: ImageSource,
  loc: ImportLocations,
): Promise<CheckedSource> {
  if ('path' in source) return { field, loc, file: await openLocalSource(field, source.path, loc) };
  if (!urlAllowed(source.url, loc.urlPrefixes)) throw refuse(field, loc);
  return { field, loc, url: source.url };
}

export const releaseSource = (s: CheckedSource) => ('file' in s ? s.file.handle.close().catch(() => {}) : undefined);

function meter(total: number | null, maxBytes: number, onProgress?: (fraction: number) => void) {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes) return cb(new Error(`the source is larger than ${maxBytes} bytes`));
      hash.update(chunk);
      // Without a content-length there is no fraction to give; progress then jumps at the end.
      if (total) onProgress?.(Math.min(1, bytes / total));
      cb(null, chunk);
    },
  });
  return { stream, done: (): FetchResult => ({ bytes, sha256: hash.digest('hex') }) };
}

function openUrl(
  src: CheckedSource & { url: string },
  limits: FetchLimits,
  signal: AbortSignal,
  redirects = MAX_REDIRECTS,
): Promise<IncomingMessage> {
  const { url } = src;
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { signal, timeout: limits.idleMs }, (res) => {
      clearTimeout(headers);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) return reject(new Error(`GET ${url}: too many redirects`));
        // A redirect may point anywhere: the target must be an allowed location too.
        const next = new URL(res.headers.location, url).href;
        if (!urlAllowed(next, src.loc.urlPrefixes)) return reject(refuse(src.field, src.loc));
        return resolve(openUrl({ ...src, url: next }, limits, signal, redirects - 1));
      }
      if (status === 404) {
        res.resume();
        return reject(noSuchObject('download', url));
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return reject(new Error(`GET ${url} answered HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
      }
      resolve(res);
    });
    const headers = setTimeout(
      () => req.destroy(timeout(`GET ${url} (response headers)`, limits.headersMs / 1000)),
      limits.headersMs,
    );
    req.on('timeout', () => req.destroy(timeout(`GET ${url} (idle connection)`, limits.idleMs / 1000)));
    req.on('error', (err) => {
      clearTimeout(headers);
      reject(timeout.is(err) ? err : new Error(`GET ${url} failed: ${err.message}`));
    });
  });
}

export async function fetchSource(
  source: CheckedSource,
  dest: string,
  onProgress?: (fraction: number) => void,
  limits = DEFAULT_FETCH_LIMITS,
): Promise<FetchResult> {
  const signal = AbortSignal.timeout(limits.totalMs);
  let input: NodeJS.ReadableStream;
  let total: number | null;
  if ('file' in source) {
    total = source.file.size;
    input = source.file.handle.createReadStream({ autoClose: false, start: 0 });
  } else {
    const res = await openUrl(source, limits, signal);
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) && length > 0 ? length : null;
    if (total !== null && total > limits.maxBytes) {
      res.destroy();
      throw tooLarge(source.field, limits.maxBytes);
    }
    input = res;
  }
  const m = meter(total, limits.maxBytes, onProgress);
  try {
    await pipeline(input, m.stream, createWriteStream(dest, { flags: 'wx' }), { signal });
  } catch (err) {
    if (signal.aborted) throw timeout(`Fetching the ${source.field} source`, limits.totalMs / 1000);
    throw err;
  }
  const result = m.done();
  if ('url' in source && total !== null && result.bytes !== total) {
    throw new Error(`GET ${source.url}: connection ended after ${result.bytes} of ${total} bytes`);
  }
  onProgress?.(1);
  return result;
}
