import { describe, expect, it } from 'vitest';
import { MAX_JSON_BODY_BYTES, readJson } from './route-handler';

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request('http://dashboard/api/agent/enroll', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

// A stream that would go on for ever: the reader must stop at the limit, not buffer it all.
function endless(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      expect(sent).toBeLessThan(MAX_JSON_BODY_BYTES * 2);
    },
  });
}

describe('readJson', () => {
  it('parses a JSON body', async () => {
    await expect(readJson(post('{"a":1}'))).resolves.toEqual({ a: 1 });
  });

  it('answers 422 for a body that is not JSON, and for none', async () => {
    await expect(readJson(post('{"a":'))).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 422 });
    await expect(readJson(new Request('http://dashboard/x', { method: 'POST' }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    const req = post(endless(), { 'content-length': String(MAX_JSON_BODY_BYTES + 1) });
    await expect(readJson(req)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('stops reading an undeclared body once it passes the limit', async () => {
    await expect(readJson(post(endless()))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });
});
