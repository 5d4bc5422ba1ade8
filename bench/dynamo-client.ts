// A raw keep-alive DynamoDB HTTP client on undici. The AWS SDK spends a core on ~1.4k
// requests/s on these machines, which would measure the SDK, not the server; this client
// spends a few microseconds per request on signing and JSON.
import { Pool } from 'undici';
import { createSigner } from '../lib/sigv4/index.js';
import type { Credentials, Signer } from '../lib/sigv4/index.js';
import type { DynamoRequest } from './dynamo-requests.js';

/** How to reach and authenticate to an endpoint. */
export interface DynamoClientOptions {
  /** e.g. `http://127.0.0.1:8000`. */
  readonly endpoint: string;
  /** Upper bound on open connections (one request in flight per connection). */
  readonly connections: number;
  /** A request with no complete answer after this long fails as `Timeout`. */
  readonly requestTimeoutMs: number;
  /** Signs requests with SigV4 when set; sends no Authorization header otherwise. */
  readonly signing?: { readonly credentials: Credentials; readonly region: string };
  /** The wall clock for signing dates; injected for tests. */
  readonly wallClockMs?: () => number;
}

/** The outcome of one request: the parsed answer, or an error type for the report. */
export type DynamoResponse =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly errorType: string; readonly message: string };

/** A DynamoDB client bound to one endpoint. */
export interface DynamoClient {
  /** Sends one request; never throws for operating errors (HTTP, network, timeouts). */
  send(request: DynamoRequest): Promise<DynamoResponse>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Longest response body read; DynamoDB's own pages stop at 1 MB (plus JSON overhead). */
const RESPONSE_BYTES_MAX = 4 * 1024 * 1024;

/** Creates a client. */
export function createDynamoClient(options: DynamoClientOptions): DynamoClient {
  const url = new URL(options.endpoint);
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    keepAliveTimeout: 30_000,
  });
  const signer: Signer | undefined =
    options.signing === undefined
      ? undefined
      : createSigner({ ...options.signing, service: 'dynamodb' });
  const wallClockMs = options.wallClockMs ?? Date.now;
  const path = url.pathname === '' ? '/' : url.pathname;
  return {
    async send(request) {
      const unsigned: Record<string, string> = {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${request.operation}`,
      };
      const headers =
        signer === undefined
          ? unsigned
          : signer.sign(
              { method: 'POST', path, headers: unsigned, body: request.body },
              wallClockMs(),
            ).headers;
      try {
        const response = await pool.request({ method: 'POST', path, headers, body: request.body });
        const text = await readBounded(response.body);
        return interpret(response.statusCode, text);
      } catch (error: unknown) {
        return networkError(error);
      }
    },
    close: () => pool.close(),
  };
}

async function readBounded(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > RESPONSE_BYTES_MAX)
      throw new Error(`response larger than ${RESPONSE_BYTES_MAX} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Turns a status and body into a response; DynamoDB errors carry `__type`. */
export function interpret(statusCode: number, text: string): DynamoResponse {
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    return { ok: false, errorType: `Http${statusCode}NotJson`, message: text.slice(0, 200) };
  }
  const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (statusCode >= 200 && statusCode < 300) return { ok: true, body };
  const type =
    typeof body.__type === 'string' ? body.__type.split('#').pop()! : `Http${statusCode}`;
  const message =
    typeof body.message === 'string'
      ? body.message
      : typeof body.Message === 'string'
        ? body.Message
        : '';
  return { ok: false, errorType: type, message };
}

function networkError(error: unknown): DynamoResponse {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const code = typeof record.code === 'string' ? record.code : 'UnknownError';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { ok: false, errorType: 'Timeout', message };
  }
  return { ok: false, errorType: code, message };
}
