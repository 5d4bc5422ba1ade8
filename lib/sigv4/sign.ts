// Signing: adds `x-amz-date` (and `x-amz-security-token`) and the Authorization header.
import {
  SIGV4_ALGORITHM,
  canonicalRequest,
  credentialScope,
  formatAmzDate,
  headerValue,
  sha256Hex,
  signature,
  signingKey,
  stringToSign,
} from './canonical.js';
import type { HeaderValue, SignableRequest } from './canonical.js';

/** AWS credentials. The session token is only for temporary (STS) credentials. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What to sign with, and when. */
export interface SignOptions {
  readonly credentials: Credentials;
  /** e.g. `us-east-1`. */
  readonly region: string;
  /** e.g. `dynamodb`. */
  readonly service: string;
  /** The signing time, injected so that signing stays pure. */
  readonly nowMs: number;
}

/** The result of signing: the headers to send, and the pieces for debugging and tests. */
export interface SignedRequest {
  /** The request's headers plus `x-amz-date`, optional `x-amz-security-token`, `authorization`. */
  readonly headers: Record<string, string>;
  readonly authorization: string;
  readonly signature: string;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signedHeaders: readonly string[];
}

/**
 * Headers never signed because proxies and clients rewrite them; the same list as the AWS
 * SDK's signer, so that both produce the same signature for the same request.
 */
const UNSIGNABLE_HEADERS = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** The sorted, lowercase names of the headers a signer signs. */
export function signableHeaderNames(headers: Readonly<Record<string, HeaderValue>>): string[] {
  const names = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && !UNSIGNABLE_HEADERS.has(lower)) names.add(lower);
  }
  return [...names].sort();
}

function flattenHeaders(headers: Readonly<Record<string, HeaderValue>>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headerValue(headers, name);
    if (value !== undefined) flat[name.toLowerCase()] = value;
  }
  return flat;
}

/**
 * Signs a request with SigV4 and returns the headers to send. The request must carry a
 * `host` header. A `x-amz-content-sha256` header, when present, is used as the payload hash.
 */
export function signRequest(request: SignableRequest, options: SignOptions): SignedRequest {
  const { amzDate, dateStamp } = formatAmzDate(options.nowMs);
  const key = signingKey(
    options.credentials.secretAccessKey,
    dateStamp,
    options.region,
    options.service,
  );
  return signWithKey(request, options, key, amzDate, dateStamp);
}

function signWithKey(
  request: SignableRequest,
  options: Omit<SignOptions, 'nowMs'>,
  key: Uint8Array,
  amzDate: string,
  dateStamp: string,
): SignedRequest {
  const headers = flattenHeaders(request.headers);
  if (headers.host === undefined) throw new Error('signRequest: the request has no host header');
  headers['x-amz-date'] = amzDate;
  if (options.credentials.sessionToken !== undefined) {
    headers['x-amz-security-token'] = options.credentials.sessionToken;
  }
  const signedHeaders = signableHeaderNames(headers);
  const payloadHash = headers['x-amz-content-sha256'] ?? sha256Hex(request.body);
  const canonical = canonicalRequest({ ...request, headers }, signedHeaders, payloadHash);
  const scope = credentialScope(dateStamp, options.region, options.service);
  const toSign = stringToSign(amzDate, scope, canonical);
  const hexSignature = signature(key, toSign);
  const authorization =
    `${SIGV4_ALGORITHM} Credential=${options.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${hexSignature}`;
  headers.authorization = authorization;
  return {
    headers,
    authorization,
    signature: hexSignature,
    canonicalRequest: canonical,
    stringToSign: toSign,
    signedHeaders,
  };
}

/** A signer bound to credentials, region and service. */
export interface Signer {
  /** Signs `request` as of `nowMs`. */
  sign(request: SignableRequest, nowMs: number): SignedRequest;
}

/**
 * Creates a signer that caches the derived signing key per day, which saves four HMACs per
 * request: load generators sign thousands of requests a second.
 */
export function createSigner(options: Omit<SignOptions, 'nowMs'>): Signer {
  let cachedDateStamp = '';
  let cachedKey: Uint8Array = new Uint8Array();
  return {
    sign(request, nowMs) {
      const { amzDate, dateStamp } = formatAmzDate(nowMs);
      if (dateStamp !== cachedDateStamp) {
        cachedKey = signingKey(
          options.credentials.secretAccessKey,
          dateStamp,
          options.region,
          options.service,
        );
        cachedDateStamp = dateStamp;
      }
      return signWithKey(request, options, cachedKey, amzDate, dateStamp);
    },
  };
}
