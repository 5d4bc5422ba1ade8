// A fake OpenTelemetry collector for process tests: an h2c server on 127.0.0.1 that accepts
// OTLP/gRPC trace exports and decodes the few span fields a test checks (service name, trace
// and span ids, parent, name, kind) with a minimal protobuf reader — the OTLP protos are not a
// dependency, and these field numbers are stable (opentelemetry-proto trace/v1).
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';

/** One exported span, as a test sees it. */
export interface CollectedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind number: 2 server, 3 client. */
  readonly kind: number;
}

/** A running collector. */
export interface OtlpCollector {
  /** The endpoint to hand to OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  /** Every span received so far. */
  readonly spans: CollectedSpan[];
  close(): Promise<void>;
}

/** Bytes a single export may carry (a limit on what a test process can make us buffer). */
const EXPORT_BYTES_MAX = 16 * 1024 * 1024;

type Field = { readonly number: number; readonly value: Uint8Array | bigint };

/** The top-level fields of one protobuf message (varints and length-delimited only). */
function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; at < bytes.length; shift += 7n) {
      const byte = bytes[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new Error('truncated varint');
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const [number, wire] = [key >>> 3, key & 7];
    if (wire === 0) out.push({ number, value: varint() });
    else if (wire === 2) {
      const length = Number(varint());
      out.push({ number, value: bytes.subarray(at, at + length) });
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytesOf = (list: Field[], number: number): Uint8Array[] =>
  list
    .filter((f) => f.number === number && f.value instanceof Uint8Array)
    .map((f) => f.value as Uint8Array);
const hex = (value: Uint8Array | undefined): string => Buffer.from(value ?? []).toString('hex');
const text = (value: Uint8Array | undefined): string => Buffer.from(value ?? []).toString('utf8');

/** The service.name attribute of a Resource. */
function serviceName(resource: Uint8Array | undefined): string {
  for (const attribute of bytesOf(fields(resource ?? new Uint8Array()), 1)) {
    const kv = fields(attribute);
    if (text(bytesOf(kv, 1)[0]) !== 'service.name') continue;
    return text(bytesOf(fields(bytesOf(kv, 2)[0] ?? new Uint8Array()), 1)[0]);
  }
  return '';
}

/** Decodes an ExportTraceServiceRequest into spans. */
export function decodeExport(message: Uint8Array): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of bytesOf(fields(message), 1)) {
    const rs = fields(resourceSpans);
    const service = serviceName(bytesOf(rs, 1)[0]);
    for (const scopeSpans of bytesOf(rs, 2)) {
      for (const span of bytesOf(fields(scopeSpans), 2)) {
        const sf = fields(span);
        const kind = sf.find((f) => f.number === 6)?.value;
        spans.push({
          service,
          traceId: hex(bytesOf(sf, 1)[0]),
          spanId: hex(bytesOf(sf, 2)[0]),
          parentSpanId: hex(bytesOf(sf, 4)[0]),
          name: text(bytesOf(sf, 5)[0]),
          kind: typeof kind === 'bigint' ? Number(kind) : 0,
        });
      }
    }
  }
  return spans;
}

/** Starts a collector on a free port of 127.0.0.1. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const server: Http2Server = createServer();
  server.on('stream', (stream) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= EXPORT_BYTES_MAX) chunks.push(chunk);
    });
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      // gRPC framing: a compression flag, a 4-byte length, the message (uncompressed here).
      if (body.length >= 5 && body[0] === 0)
        spans.push(...decodeExport(body.subarray(5, 5 + body.readUInt32BE(1))));
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
