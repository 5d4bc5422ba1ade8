// SigV4 authentication of DynamoDB requests with lib/sigv4, against access keys configured on
// the router. Off when no key is configured (local mode); then every request is accepted, as
// DynamoDB Local does.

import { verifyRequest } from '../../../lib/sigv4/index.js';
import type { IncomingMessage } from 'node:http';
import { DynamoError } from '../../../lib/dynamo/index.js';
import { errorAnswer, type WireAnswer } from './wire.js';

/** AWS accepts signatures up to 15 minutes away from its clock. */
export const clockSkewMsMax = 15 * 60 * 1000;

/** Access key id → secret access key. */
export type AccessKeys = ReadonlyMap<string, string>;

/**
 * Parses the `--auth-keys` setting: `ACCESS_KEY_ID:SECRET` pairs. Returns an error message
 * naming the bad entry, never the secret.
 */
export function parseAccessKeys(
  entries: readonly string[],
): { ok: true; keys: AccessKeys } | { ok: false; message: string } {
  const keys = new Map<string, string>();
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1) {
      return { ok: false, message: `auth key ${index + 1} is not ACCESS_KEY_ID:SECRET` };
    }
    keys.set(entry.slice(0, colon), entry.slice(colon + 1));
  }
  return { ok: true, keys };
}

/**
 * Verifies the request's signature; returns the error answer, or undefined when it is valid.
 * The body is the exact bytes received, since the signature covers its hash.
 */
export function authenticate(
  request: IncomingMessage,
  body: Buffer,
  keys: AccessKeys,
  nowMs: number,
  contentType: string,
): WireAnswer | undefined {
  const url = new URL(request.url ?? '/', 'http://router');
  const result = verifyRequest(
    {
      method: request.method ?? 'POST',
      path: decodeURIComponent(url.pathname),
      query: [...url.searchParams.entries()],
      headers: request.headers as Record<string, string | string[]>,
      body,
    },
    {
      lookupSecret: (accessKeyId) => keys.get(accessKeyId),
      nowMs,
      maxClockSkewMs: clockSkewMsMax,
      service: 'dynamodb',
    },
  );
  if (result.ok) return undefined;
  return errorAnswer(new DynamoError(result.exception, result.message), contentType);
}
