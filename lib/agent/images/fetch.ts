// Copies an image source (local file or http/https URL) to a file while computing its sha256 and
// reporting progress, in one streaming pass: images can be large and are read only once.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { noSuchObject } from '@/lib/errors';
import type { ImageSource } from '../protocol';

export type FetchResult = { bytes: number; sha256: string };

const MAX_REDIRECTS = 5;

function meter(total: number | null, onProgress?: (fraction: number) => void) {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      // Without a content-length there is no fraction to give; progress then jumps at the end.
      if (total) onProgress?.(Math.min(1, bytes / total));
      cb(null, chunk);
    },
  });
  return { stream, done: (): FetchResult => ({ bytes, sha256: hash.digest('hex') }) };
}

export function openUrl(url: string, redirects = MAX_REDIRECTS): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) return reject(new Error(`GET ${url}: too many redirects`));
        return resolve(openUrl(new URL(res.headers.location, url).toString(), redirects - 1));
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
    req.on('error', (err) => reject(new Error(`GET ${url} failed: ${err.message}`)));
  });
}

export async function fetchSource(source: ImageSource, dest: string, onProgress?: (fraction: number) => void): Promise<FetchResult> {
  let input: NodeJS.ReadableStream;
  let total: number | null;
  if ('path' in source) {
    const s = await stat(source.path).catch(() => null);
    if (!s?.isFile()) throw noSuchObject('file', source.path);
    total = s.size;
    input = createReadStream(source.path);
  } else {
    const res = await openUrl(source.url);
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) && length > 0 ? length : null;
    input = res;
  }
  const m = meter(total, onProgress);
  await pipeline(input, m.stream, createWriteStream(dest, { flags: 'wx' }));
  const result = m.done();
  if ('url' in source && total !== null && result.bytes !== total) {
    throw new Error(`GET ${source.url}: connection ended after ${result.bytes} of ${total} bytes`);
  }
  onProgress?.(1);
  return result;
}

export async function sha256File(file: string): Promise<string> {
  const m = meter(null);
  await pipeline(createReadStream(file), m.stream, async function* (src: AsyncIterable<Buffer>) {
    for await (const _ of src); // drain: only the hash is wanted
  });
  return m.done().sha256;
}
