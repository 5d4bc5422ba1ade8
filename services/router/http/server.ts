// DynamoDB's JSON-over-HTTP protocol on node:http. The checks run in DynamoDB's order (learnt
// from dynalite, which was tested against DynamoDB): body size (413), method and content type
// (404 with an XML body; CORS preflights are answered first), JSON syntax (SerializationException), the X-Amz-Target
// (UnknownOperationException), the signature when auth is on, then the operation itself.
// Every answer carries `x-amzn-RequestId`; JSON answers carry `x-amz-crc32`.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  context as otelContext,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { DynamoError } from '../../../lib/dynamo/index.js';
import {
  notImplementedOperations,
  operationNotImplemented,
  operations,
  runOperation,
  streamsOperations,
  type OperationContext,
} from '../operations/index.js';
import { authenticate, type AccessKeys } from './auth.js';
import { readBody } from './body.js';
import {
  amzJsonContentType,
  bodyCrc32,
  bareErrorAnswer,
  errorAnswer,
  jsonAnswer,
  unknownOperationXmlAnswer,
  type WireAnswer,
} from './wire.js';

/** What the observer hears about each finished request (metrics, logs). */
export interface RequestRecord {
  readonly operation: string;
  readonly tableName: string | undefined;
  readonly httpStatus: number;
  readonly errorName: string | undefined;
  /** Why a server-side error happened (logged, never sent). */
  readonly errorDetail?: string;
  readonly durationMs: number;
}

/** Hooks for metrics and logs; both optional. */
export interface RequestObserver {
  started?(): void;
  finished?(record: RequestRecord): void;
  /** A bug: an operation threw. The client got InternalServerError. */
  internalError?(error: unknown, operation: string): void;
}

/** What the HTTP handler needs. */
export interface HttpHandlerOptions {
  readonly context: OperationContext;
  /** Access keys for SigV4; authentication is off when undefined or empty. */
  readonly accessKeys?: AccessKeys;
  readonly requestBytesMax: number;
  /** The region in DynamoDB's health-check answer. */
  readonly region: string;
  readonly nowMs: () => number;
  readonly requestId?: () => string;
  readonly observer?: RequestObserver;
}

const jsonContentTypes = new Set([amzJsonContentType, 'application/json']);
const targetPattern = /^(DynamoDB_20120810|DynamoDB_20111205|DynamoDBStreams_20120810)\.(\w+)$/;

/** A 52-character id like DynamoDB's. Randomness at the edge, not in a pure core. */
export function randomRequestId(): string {
  return randomBytes(39).toString('base64').toUpperCase().replace(/[+/]/g, '0');
}

function write(response: ServerResponse, requestId: string, answer: WireAnswer): void {
  response.statusCode = answer.httpStatus;
  response.setHeader('x-amzn-RequestId', requestId);
  response.setHeader('x-amz-crc32', bodyCrc32(answer.body));
  response.setHeader('Content-Type', answer.contentType);
  response.setHeader('Content-Length', answer.body.length);
  response.end(answer.body);
}

function tooLarge(response: ServerResponse, requestId: string): void {
  response.statusCode = 413;
  response.setHeader('x-amzn-RequestId', requestId);
  // The rest of the body is not read: the connection cannot be reused.
  response.setHeader('Connection', 'close');
  response.setHeader('Content-Length', 0);
  response.end();
}

/** Longest time browsers may cache a preflight answer, as DynamoDB answers. */
const corsMaxAgeSeconds = 172800;

/**
 * CORS, as DynamoDB does it: any origin may call; a preflight (OPTIONS with an Origin) is
 * answered at once with what it asked for. Returns true when the request was answered.
 */
function answerCors(
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
): boolean {
  if (request.headers.origin === undefined) return false;
  response.setHeader('Access-Control-Allow-Origin', '*');
  if (request.method !== 'OPTIONS') return false;
  const headers = request.headers['access-control-request-headers'];
  const method = request.headers['access-control-request-method'];
  if (headers !== undefined) response.setHeader('Access-Control-Allow-Headers', headers);
  if (method !== undefined) response.setHeader('Access-Control-Allow-Methods', method);
  response.setHeader('Access-Control-Max-Age', corsMaxAgeSeconds);
  response.setHeader('x-amzn-RequestId', requestId);
  response.setHeader('Content-Length', 0);
  response.end();
  return true;
}

type Parsed =
  | { readonly answer: WireAnswer; readonly operation: string }
  | { readonly request: unknown; readonly operation: string; readonly contentType: string };

/** The checks before the operation runs, in DynamoDB's order. */
function parseRequest(request: IncomingMessage, body: Buffer, options: HttpHandlerOptions): Parsed {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (request.method !== 'POST' || (body.length > 0 && !jsonContentTypes.has(contentType))) {
    return { answer: unknownOperationXmlAnswer(), operation: 'unknown' };
  }
  const answerType = contentType === 'application/json' ? contentType : amzJsonContentType;
  let parsed: unknown;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return {
        answer: bareErrorAnswer('SerializationException', answerType),
        operation: 'unknown',
      };
    }
  }
  const target = targetPattern.exec(String(request.headers['x-amz-target'] ?? ''));
  const operation = target?.[2] ?? 'unknown';
  const known =
    target !== null &&
    (target[1] === 'DynamoDBStreams_20120810'
      ? streamsOperations.has(operation)
      : Object.hasOwn(operations, operation) || notImplementedOperations.has(operation));
  if (!known)
    return {
      answer: bareErrorAnswer('UnknownOperationException', answerType),
      operation: 'unknown',
    };
  if (options.accessKeys !== undefined && options.accessKeys.size > 0) {
    const denied = authenticate(request, body, options.accessKeys, options.nowMs(), answerType);
    if (denied !== undefined) return { answer: denied, operation };
  }
  if (body.length === 0)
    return { answer: bareErrorAnswer('SerializationException', answerType), operation };
  if (!Object.hasOwn(operations, operation)) {
    return { answer: errorAnswer(operationNotImplemented(operation), answerType), operation };
  }
  return { request: parsed, operation, contentType: answerType };
}

async function answerRequest(
  request: IncomingMessage,
  body: Buffer,
  options: HttpHandlerOptions,
): Promise<{ answer: WireAnswer; operation: string; tableName: string | undefined }> {
  const parsed = parseRequest(request, body, options);
  if ('answer' in parsed) return { ...parsed, tableName: undefined };
  const { operation, contentType } = parsed;
  const tableName = tableNameOf(parsed.request);
  try {
    const result = await runOperation(operation, parsed.request, options.context);
    const answer = result.ok
      ? jsonAnswer(200, result.value, contentType)
      : errorAnswer(result.error, contentType);
    return { answer, operation, tableName };
  } catch (error) {
    options.observer?.internalError?.(error, operation);
    const internal = new DynamoError('InternalServerError', 'Internal server error');
    return { answer: errorAnswer(internal, contentType), operation, tableName };
  }
}

function tableNameOf(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const name = (request as Record<string, unknown>)['TableName'];
  return typeof name === 'string' ? name : undefined;
}

/** The request handler: DynamoDB's protocol in front of the operations. */
export function createHttpHandler(
  options: HttpHandlerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const nextRequestId = options.requestId ?? randomRequestId;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedMs = options.nowMs();
    const requestId = nextRequestId();
    options.observer?.started?.();
    let record: Omit<RequestRecord, 'durationMs'> = {
      operation: 'unknown',
      tableName: undefined,
      httpStatus: 500,
      errorName: undefined,
    };
    try {
      const read = await readBody(request, options.requestBytesMax);
      if (!read.ok) {
        // 499 (the client went away) is nginx's convention; nothing is sent for it.
        record = { ...record, httpStatus: read.reason === 'too-large' ? 413 : 499 };
        if (read.reason === 'too-large') tooLarge(response, requestId);
        else response.destroy();
        return;
      }
      if (answerCors(request, response, requestId)) {
        record = { ...record, operation: 'cors', httpStatus: 200 };
        return;
      }
      if (request.method === 'GET') {
        const health = `healthy: dynamodb.${options.region}.amazonaws.com `;
        write(response, requestId, {
          httpStatus: 200,
          body: Buffer.from(health),
          contentType: 'text/plain',
        });
        record = { ...record, operation: 'health', httpStatus: 200 };
        return;
      }
      const { answer, operation, tableName } = await tracedAnswer(request, read.body, options);
      write(response, requestId, answer);
      record = {
        operation,
        tableName,
        httpStatus: answer.httpStatus,
        errorName: answer.errorName,
        ...(answer.errorDetail === undefined ? {} : { errorDetail: answer.errorDetail }),
      };
    } finally {
      options.observer?.finished?.({ ...record, durationMs: options.nowMs() - startedMs });
    }
  };
  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.observer?.internalError?.(error, 'http');
      response.destroy();
    });
  };
}

/**
 * Answers one DynamoDB request inside a server span (`DynamoDB.<Operation>`) whose parent is
 * the request's W3C `traceparent`, if any: the storage and control-plane calls made for it are
 * its children, so one request is one trace across processes.
 */
async function tracedAnswer(
  request: IncomingMessage,
  body: Buffer,
  options: HttpHandlerOptions,
): Promise<Awaited<ReturnType<typeof answerRequest>>> {
  const parent = propagation.extract(otelContext.active(), request.headers);
  const span = trace
    .getTracer('tessera.router')
    .startSpan(
      'DynamoDB',
      { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'aws-api' } },
      parent,
    );
  try {
    const answered = await otelContext.with(trace.setSpan(parent, span), () =>
      answerRequest(request, body, options),
    );
    span.updateName(`DynamoDB.${answered.operation}`);
    span.setAttribute('rpc.method', answered.operation);
    span.setAttribute('http.response.status_code', answered.answer.httpStatus);
    if (answered.tableName !== undefined)
      span.setAttribute('aws.dynamodb.table_names', [answered.tableName]);
    if (answered.answer.httpStatus >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR, message: answered.answer.errorName ?? '' });
    return answered;
  } finally {
    span.end();
  }
}

/** A listening HTTP server. */
export interface HttpServer {
  readonly port: number;
  /** Stops accepting, lets requests in flight finish, and cuts connections after `graceMs`. */
  close(graceMs: number): Promise<{ forced: boolean }>;
}

/** Starts the DynamoDB HTTP API on host:port (port 0 picks a free one). */
export async function startHttpServer(
  options: HttpHandlerOptions & { readonly connectionsMax?: number },
  host: string,
  port: number,
): Promise<HttpServer> {
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, createHttpHandler(options));
  server.maxConnections = options.connectionsMax ?? 4096;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    port: boundPort,
    close: (graceMs) =>
      new Promise((resolve) => {
        let forced = false;
        const timer = setTimeout(() => {
          forced = true;
          server.closeAllConnections();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve({ forced });
        });
        server.closeIdleConnections();
      }),
  };
}
