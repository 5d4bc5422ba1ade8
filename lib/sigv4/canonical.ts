// The pieces of AWS Signature Version 4 that both signing and verification need: the
// canonical request, the string to sign, the signing key and the signature itself.
//
// Conventions (the same as the AWS SDK's signer): `path` is the decoded path (it is
// URI-encoded here, once per segment), query entries are decoded key/value pairs, and header
// names are matched case-insensitively. Path normalisation of `.` and `..` segments is not
// done: DynamoDB's only path is `/`.
import { createHash, createHmac } from 'node:crypto';

/** The signing algorithm name that prefixes the string to sign and the Authorization header. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** The SHA-256 of the empty string, the payload hash of every bodiless request. */
export const EMPTY_PAYLOAD_SHA256 =
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A header value as Node's HTTP server delivers it (repeated headers as arrays). */
export type HeaderValue = string | readonly string[] | undefined;

/** The parts of an HTTP request that SigV4 covers. */
export interface SignableRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The decoded request path, e.g. `/`. */
  readonly path: string;
  /** Decoded query parameters in any order; repeated keys are allowed. */
  readonly query?: readonly (readonly [string, string])[];
  /** Request headers; names in any case. `host` must be present. */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The request body exactly as sent. */
  readonly body: string | Uint8Array;
}

/** Returns the lowercase hex SHA-256 of `data`. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Percent-encodes everything except RFC 3986's unreserved characters, as SigV4 requires. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Formats a time as SigV4's `YYYYMMDD'T'HHMMSS'Z'` and the `YYYYMMDD` date stamp. */
export function formatAmzDate(epochMs: number): { amzDate: string; dateStamp: string } {
  const iso = new Date(epochMs).toISOString(); // 2015-08-30T12:36:00.000Z
  const amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return { amzDate, dateStamp: amzDate.slice(0, 8) };
}

/** Parses `YYYYMMDD'T'HHMMSS'Z'` into epoch milliseconds, or undefined when malformed. */
export function parseAmzDate(amzDate: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const epochMs = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

/** The credential scope: `<date>/<region>/<service>/aws4_request`. */
export function credentialScope(dateStamp: string, region: string, service: string): string {
  return `${dateStamp}/${region}/${service}/aws4_request`;
}

/** Looks a header up case-insensitively and joins repeated values with commas. */
export function headerValue(
  headers: Readonly<Record<string, HeaderValue>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  return values.length === 0 ? undefined : values.join(',');
}

/** Trims a header value and collapses inner runs of whitespace to one space. */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: readonly (readonly [string, string])[]): string {
  return query
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([keyA, valueA], [keyB, valueB]) =>
      keyA < keyB ? -1 : keyA > keyB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
    )
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * Builds the canonical request (task 1 of the SigV4 signing process).
 *
 * @param signedHeaders lowercase header names to sign, sorted.
 * @param payloadHash hex SHA-256 of the body (or the `x-amz-content-sha256` value).
 */
export function canonicalRequest(
  request: SignableRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const headerLines = signedHeaders.map(
    (name) => `${name}:${canonicalHeaderValue(headerValue(request.headers, name) ?? '')}\n`,
  );
  return [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query ?? []),
    headerLines.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** Builds the string to sign (task 2) from the request time, scope and canonical request. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** Derives the signing key (task 3): four chained HMACs from the secret access key. */
export function signingKey(
  secretAccessKey: string,
  dateStamp: string,
  region: string,
  service: string,
): Buffer {
  const dateKey = createHmac('sha256', `AWS4${secretAccessKey}`).update(dateStamp).digest();
  const regionKey = createHmac('sha256', dateKey).update(region).digest();
  const serviceKey = createHmac('sha256', regionKey).update(service).digest();
  return createHmac('sha256', serviceKey).update('aws4_request').digest();
}

/** Computes the hex signature (task 4) of a string to sign with a derived signing key. */
export function signature(key: Uint8Array, toSign: string): string {
  return createHmac('sha256', key).update(toSign).digest('hex');
}
