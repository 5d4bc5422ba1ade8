// Reads a request body without ever holding more than the limit: a Content-Length over the
// limit is refused before a byte is read, and a streamed body is dropped as soon as it passes
// the limit.

import type { IncomingMessage } from 'node:http';

/** DynamoDB's request size limit. */
export const requestBytesMaxDefault = 16 * 1024 * 1024;

/** The body, or why there is none. */
export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: 'too-large' | 'aborted' };

/** Reads the whole body of `request`, at most `bytesMax` bytes. */
export function readBody(request: IncomingMessage, bytesMax: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > bytesMax) {
    request.resume();
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      length += chunk.length;
      if (length > bytesMax) {
        chunks.length = 0;
        // Keep draining (and discarding) so the answer can still be written.
        settle({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => settle({ ok: true, body: Buffer.concat(chunks, length) }));
    request.on('error', () => settle({ ok: false, reason: 'aborted' }));
    request.on('close', () => settle({ ok: false, reason: 'aborted' }));
  });
}
