// The Storage gRPC service: item operations addressed to one partition. Requests are converted
// to DynamoDB's JSON and run through the host; DynamoDB errors and routing conditions come back
// as data in the response, never as a gRPC status.
import type { DescMessage } from '@bufbuild/protobuf';
import { bindService, type ServiceBinding } from '../../../lib/grpc/index.js';
import {
  Storage,
  type HashRange,
  type PartitionRef,
} from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import {
  BatchWriteItemRequestSchema,
  DeleteItemRequestSchema,
  GetItemRequestSchema,
  PutItemRequestSchema,
  QueryRequestSchema,
  ScanRequestSchema,
  UpdateItemRequestSchema,
} from '../../../lib/gen/tessera/v1/dynamo_pb.js';
import { DynamoError, itemFromWire } from '../../../lib/dynamo/index.js';
import {
  evaluateGetItem,
  hashOfPartitionKey,
  evaluateQuery,
  evaluateScan,
  type BatchWriteResponse,
  type GetResponse,
  type PageResponse,
  type WriteOperation,
  type WriteResponse,
} from '../commands/index.js';
import type { StorageHost } from '../host/host.js';
import { executeBatchWrite, executeRead, executeWrite } from '../host/operations.js';
import type { HostAnswer, PartitionAddress } from '../host/routing.js';
import {
  capacityToProto,
  errorToProto,
  itemToProto,
  messageToJson,
  routingToProto,
} from './convert.js';

/**
 * Told about every request: method, outcome (ok, an error name, not_leader, …), duration,
 * partition, and — computed only when called — the hash of the partition key it addressed.
 */
export type RequestObserver = (
  method: string,
  outcome: string,
  durationSeconds: number,
  partitionId: string,
  keyHash: () => Uint8Array | undefined,
) => void;

/** The hash of the partition key `item` (an Item or a Key, DynamoDB JSON) holds, if any. */
function partitionKeyHashOf(
  host: StorageHost,
  partitionId: string,
  item: unknown,
): Uint8Array | undefined {
  const name = host.replica(partitionId)?.meta.schema.partitionKey.name;
  if (name === undefined || typeof item !== 'object' || item === null) return undefined;
  const converted = itemFromWire({ [name]: (item as Record<string, unknown>)[name] });
  const value = converted.ok ? converted.value.get(name) : undefined;
  return value === undefined ? undefined : hashOfPartitionKey(value);
}

/** The outcome label of an answer. */
export function outcomeLabel(answer: HostAnswer<unknown>): string {
  if (answer.kind === 'ok') return 'ok';
  if (answer.kind === 'error') return answer.error.name;
  return answer.routing.kind.replace('-', '_');
}

function addressOf(ref: PartitionRef | undefined): PartitionAddress | undefined {
  if (ref === undefined || ref.partitionId === '') return undefined;
  return { tableId: ref.tableId, partitionId: ref.partitionId, epoch: Number(ref.epoch) };
}

const missingPartition: HostAnswer<never> = {
  kind: 'error',
  error: new DynamoError('ValidationException', 'The request does not name a partition'),
};

/** The common shape of every Storage response: exactly one of response, error, routing. */
function shape<T, R>(answer: HostAnswer<T>, response: (value: T) => R) {
  if (answer.kind === 'ok') return { response: response(answer.value) };
  if (answer.kind === 'error') return { error: errorToProto(answer.error, answer.item) };
  return { routingError: routingToProto(answer.routing) };
}

function writeShape(answer: HostAnswer<WriteResponse>) {
  return shape(answer, (value) => ({
    attributes: value.attributes === undefined ? {} : itemToProto(value.attributes),
    ...(value.consumedCapacity === undefined
      ? {}
      : { consumedCapacity: capacityToProto(value.consumedCapacity) }),
  }));
}

/** BatchWrite's answer: per-write results and capacity, or the whole call's error. */
function batchShape(answer: HostAnswer<BatchWriteResponse>) {
  if (answer.kind !== 'ok') return shape(answer, () => ({}));
  const { results, consumedCapacity } = answer.value;
  return {
    results: results.map((result) =>
      result.error === undefined ? {} : { error: errorToProto(result.error) },
    ),
    ...(consumedCapacity === undefined
      ? {}
      : { consumedCapacity: capacityToProto(consumedCapacity) }),
  };
}

function pageShape(answer: HostAnswer<PageResponse>) {
  return shape(answer, (value) => ({
    items: value.items.map((item) => ({ attributes: itemToProto(item) })),
    count: value.count,
    scannedCount: value.scannedCount,
    lastEvaluatedKey:
      value.lastEvaluatedKey === undefined ? {} : itemToProto(value.lastEvaluatedKey),
    ...(value.consumedCapacity === undefined
      ? {}
      : { consumedCapacity: capacityToProto(value.consumedCapacity) }),
  }));
}

function getShape(answer: HostAnswer<GetResponse>) {
  return shape(answer, (value) => ({
    item: value.item === undefined ? {} : itemToProto(value.item),
    found: value.item !== undefined,
    ...(value.consumedCapacity === undefined
      ? {}
      : { consumedCapacity: capacityToProto(value.consumedCapacity) }),
  }));
}

function hashBounds(range: HashRange | undefined) {
  const start = range === undefined || range.start.length === 0 ? new Uint8Array(16) : range.start;
  const end = range === undefined || range.end.length === 0 ? undefined : range.end;
  return { start, end };
}

/** Binds the Storage service to a host. */
export function storageService(
  host: StorageHost,
  observe: RequestObserver = () => {},
): ServiceBinding {
  async function run<T>(
    method: string,
    ref: PartitionRef | undefined,
    body: () => Promise<HostAnswer<T>>,
    keyed?: unknown,
  ): Promise<HostAnswer<T>> {
    const started = performance.now();
    const answer = addressOf(ref) === undefined ? missingPartition : await body();
    const partitionId = ref?.partitionId ?? '';
    observe(method, outcomeLabel(answer), (performance.now() - started) / 1000, partitionId, () =>
      partitionKeyHashOf(host, partitionId, keyed),
    );
    return answer;
  }
  function write(
    operation: WriteOperation,
    schema: DescMessage,
    ref: PartitionRef | undefined,
    request: object | undefined,
  ) {
    const json = messageToJson(schema, request ?? {}) as Record<string, unknown>;
    return run(
      operation,
      ref,
      () => executeWrite(host, addressOf(ref)!, operation, json),
      operation === 'PutItem' ? json['Item'] : json['Key'],
    );
  }
  return bindService(Storage, {
    async putItem(request) {
      return writeShape(
        await write('PutItem', PutItemRequestSchema, request.partition, request.request),
      );
    },
    async updateItem(request) {
      return writeShape(
        await write('UpdateItem', UpdateItemRequestSchema, request.partition, request.request),
      );
    },
    async deleteItem(request) {
      return writeShape(
        await write('DeleteItem', DeleteItemRequestSchema, request.partition, request.request),
      );
    },
    async batchWrite(request) {
      const json = messageToJson(BatchWriteItemRequestSchema, request.request ?? {});
      const answer = await run('BatchWrite', request.partition, () =>
        executeBatchWrite(host, addressOf(request.partition)!, json),
      );
      return batchShape(answer);
    },
    async getItem(request) {
      const json = messageToJson(GetItemRequestSchema, request.request ?? {});
      const answer = await run(
        'GetItem',
        request.partition,
        () => executeRead(host, addressOf(request.partition)!, 'GetItem', json, evaluateGetItem),
        (json as Record<string, unknown>)['Key'],
      );
      return getShape(answer);
    },
    async query(request) {
      const json = messageToJson(QueryRequestSchema, request.request ?? {});
      const answer = await run('Query', request.partition, () =>
        executeRead(host, addressOf(request.partition)!, 'Query', json, evaluateQuery),
      );
      return pageShape(answer);
    },
    async scan(request) {
      const json = messageToJson(ScanRequestSchema, request.request ?? {});
      const bounds = hashBounds(request.range);
      const bytesMax = request.pageBytesMax === 0n ? undefined : Number(request.pageBytesMax);
      const answer = await run('Scan', request.partition, () =>
        executeRead(host, addressOf(request.partition)!, 'Scan', json, (view, spec, validated) =>
          evaluateScan(view, spec, validated, bounds, bytesMax),
        ),
      );
      return pageShape(answer);
    },
  });
}
