// Verification: what a server does with a signed request. Every failure is a typed result
// that names the DynamoDB exception to answer with, so the router needs no string matching.
import { timingSafeEqual } from 'node:crypto';
import {
  SIGV4_ALGORITHM,
  canonicalRequest,
  credentialScope,
  headerValue,
  parseAmzDate,
  sha256Hex,
  signature,
  signingKey,
  stringToSign,
} from './canonical.js';
import type { SignableRequest } from './canonical.js';

/** The parsed Authorization header. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly dateStamp: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Why verification failed, one value per client-facing exception. */
export type VerifyFailureReason =
  | 'missing-token'
  | 'incomplete-signature'
  | 'unknown-access-key'
  | 'bad-signature'
  | 'signature-expired';

/** A failed verification, with the DynamoDB exception name and a message to answer with. */
export interface VerifyFailure {
  readonly ok: false;
  readonly reason: VerifyFailureReason;
  readonly exception:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'UnrecognizedClientException'
    | 'InvalidSignatureException';
  readonly message: string;
}

/** The result of verifying a request. */
export type VerifyResult = { readonly ok: true; readonly accessKeyId: string } | VerifyFailure;

/** What a verifier needs besides the request. */
export interface VerifyOptions {
  /** Returns the secret for an access key id, or undefined when the key is unknown. */
  readonly lookupSecret: (accessKeyId: string) => string | undefined;
  /** The server's time, injected so that verification stays pure. */
  readonly nowMs: number;
  /** Largest allowed distance between the request's time and `nowMs`; AWS uses 15 minutes. */
  readonly maxClockSkewMs?: number;
  /** When set, the credential scope must name this region. */
  readonly region?: string;
  /** When set, the credential scope must name this service. */
  readonly service?: string;
}

const INVALID_SIGNATURE_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. ' +
  'Consult the service documentation for details.';

function fail(reason: VerifyFailureReason, message: string): VerifyFailure {
  switch (reason) {
    case 'missing-token':
      return { ok: false, reason, exception: 'MissingAuthenticationTokenException', message };
    case 'incomplete-signature':
      return { ok: false, reason, exception: 'IncompleteSignatureException', message };
    case 'unknown-access-key':
      return { ok: false, reason, exception: 'UnrecognizedClientException', message };
    case 'bad-signature':
    case 'signature-expired':
      return { ok: false, reason, exception: 'InvalidSignatureException', message };
  }
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request,
 * SignedHeaders=<a;b>, Signature=<hex>`; returns a message saying what is wrong otherwise.
 */
export function parseAuthorization(
  header: string,
): { ok: true; value: ParsedAuthorization } | { ok: false; message: string } {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${SIGV4_ALGORITHM} `)) {
    return { ok: false, message: `Authorization header must use ${SIGV4_ALGORITHM}.` };
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.has(name)) {
      return {
        ok: false,
        message: `Authorization header requires '${name}' parameter. Authorization=${trimmed}`,
      };
    }
  }
  const credential = fields.get('Credential')!.split('/');
  if (credential.length !== 5 || credential[4] !== 'aws4_request' || credential[0] === '') {
    return {
      ok: false,
      message: `Credential should be scoped correctly: '${credential.join('/')}'.`,
    };
  }
  const [accessKeyId, dateStamp, region, service] = credential as [string, string, string, string];
  const signedHeaders = fields
    .get('SignedHeaders')!
    .split(';')
    .filter((name) => name !== '');
  const value = {
    accessKeyId,
    dateStamp,
    region,
    service,
    signedHeaders,
    signature: fields.get('Signature')!,
  };
  return { ok: true, value };
}

/**
 * Verifies a SigV4-signed request (Authorization header form). Checks, in order: a token is
 * present, the header is complete, the date is valid and within the allowed skew, the scope
 * matches, the access key is known, and the signature matches.
 */
export function verifyRequest(request: SignableRequest, options: VerifyOptions): VerifyResult {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined || header.trim() === '') {
    return fail('missing-token', 'Request is missing Authentication Token');
  }
  const parsed = parseAuthorization(header);
  if (!parsed.ok) return fail('incomplete-signature', parsed.message);
  const auth = parsed.value;
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const requestMs = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || requestMs === undefined) {
    return fail(
      'incomplete-signature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  if (!auth.signedHeaders.includes('host')) {
    return fail('incomplete-signature', "'Host' must be a signed header.");
  }
  if (
    options.maxClockSkewMs !== undefined &&
    Math.abs(options.nowMs - requestMs) > options.maxClockSkewMs
  ) {
    return fail(
      'signature-expired',
      `Signature expired: ${amzDate} is outside the allowed clock skew.`,
    );
  }
  if (auth.dateStamp !== amzDate.slice(0, 8)) {
    return fail(
      'bad-signature',
      `Credential should be scoped to a valid date: '${auth.dateStamp}'.`,
    );
  }
  if (options.region !== undefined && auth.region !== options.region) {
    return fail(
      'bad-signature',
      `Credential should be scoped to a valid region, not '${auth.region}'.`,
    );
  }
  if (options.service !== undefined && auth.service !== options.service) {
    return fail(
      'bad-signature',
      `Credential should be scoped to correct service: '${options.service}'.`,
    );
  }
  const secret = options.lookupSecret(auth.accessKeyId);
  if (secret === undefined) {
    return fail('unknown-access-key', 'The security token included in the request is invalid.');
  }
  const payloadHash =
    headerValue(request.headers, 'x-amz-content-sha256') ?? sha256Hex(request.body);
  const canonical = canonicalRequest(request, auth.signedHeaders, payloadHash);
  const toSign = stringToSign(
    amzDate,
    credentialScope(auth.dateStamp, auth.region, auth.service),
    canonical,
  );
  const expected = Buffer.from(
    signature(signingKey(secret, auth.dateStamp, auth.region, auth.service), toSign),
  );
  const provided = Buffer.from(auth.signature);
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) {
    return fail('bad-signature', INVALID_SIGNATURE_MESSAGE);
  }
  return { ok: true, accessKeyId: auth.accessKeyId };
}
