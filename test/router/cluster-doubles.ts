// TEST DOUBLES — not the real services. In-process gRPC servers on 127.0.0.1 that speak the
// control plane's `Catalog` + `PartitionMap` and the storage node's `Storage` contracts just
// enough to exercise the router's cluster backend: a control plane whose map the test
// publishes, and storage nodes that share one item store (standing in for replication) and
// answer routing errors, delays or nothing at all when the test scripts them to.

import { Metadata } from '@grpc/grpc-js';
import { partitionKeyHash } from '../../services/router/routing/hash-space.js';
import { itemFromWire } from '../../lib/dynamo/index.js';
import { Catalog, PartitionMap } from '../../lib/gen/tessera/control/v1/control_pb.js';
import type { TableMap } from '../../lib/gen/tessera/control/v1/control_pb.js';
import {
  Storage,
  type PartitionRef,
  type ScanRequest,
} from '../../lib/gen/tessera/storage/v1/storage_pb.js';
import {
  GetItemRequestSchema,
  GetItemResponseSchema,
  PutItemRequestSchema,
  ScanRequestSchema,
} from '../../lib/gen/tessera/v1/dynamo_pb.js';
import {
  bindService,
  createGrpcServer,
  GrpcError,
  GrpcStatus,
  type GrpcServer,
} from '../../lib/grpc/index.js';
import { messageInit, messageToJson } from '../../lib/proto-json/convert.js';
import { leaderAddressMetadataKey } from '../../services/router/backend/catalog-backend.js';

type Json = Record<string, unknown>;

/** A partition as the test describes it. */
export interface PartitionSpec {
  readonly partitionId: string;
  /** 32 hex characters, or '' for the start / end of the space. */
  readonly start: string;
  readonly end: string;
  readonly replicas: readonly { nodeId: string; address: string }[];
  readonly leaderNodeId: string;
  readonly epoch?: bigint;
}

/** A table of one string HASH key `id`, as a `TableMap` init. */
export function tableMap(
  tableName: string,
  partitions: readonly PartitionSpec[],
  options: { untyped?: boolean } = {},
) {
  const tableId = `${tableName}-id`;
  const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
  return {
    schema: {
      tableId,
      tableName,
      keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
      // The real control plane's map may name the keys without their types.
      attributeDefinitions: options.untyped ? [] : [{ attributeName: 'id', attributeType: 'S' }],
    },
    tableStatus: 'ACTIVE',
    partitions: partitions.map((partition) => ({
      tableId,
      tableName,
      partitionId: partition.partitionId,
      range: { start: hex(partition.start), end: hex(partition.end) },
      epoch: partition.epoch ?? 1n,
      replicas: partition.replicas.map((replica) => ({ ...replica, learner: false })),
      leaderNodeId: partition.leaderNodeId,
    })),
  };
}

type TableMapInit = ReturnType<typeof tableMap>;

/** One published map state. */
interface MapState {
  readonly epoch: bigint;
  readonly tables: readonly TableMapInit[];
}

/** TEST DOUBLE of the control plane: the test publishes maps; watches receive them. */
export class ControlPlaneDouble {
  private state: MapState = { epoch: 0n, tables: [] };
  private readonly watchers = new Set<(state: MapState) => void>();
  /** When set, GetPartitionMap answers this instead of the published state. */
  getMapOverride: MapState | undefined;
  /** When false, every Catalog call answers UNAVAILABLE naming `leaderAddress`. */
  leading = true;
  leaderAddress = '';
  /** The key type DescribeTable reports. */
  describedKeyType = 'S';
  /** How many watches were opened (reconnects show up here). */
  watchesOpened = 0;
  catalogCalls = 0;

  constructor(
    readonly server: GrpcServer,
    readonly address: string,
  ) {}

  /** Starts a control-plane double on `port` (0: any free port). */
  static async start(port = 0): Promise<ControlPlaneDouble> {
    const holder: { double?: ControlPlaneDouble } = {};
    const server = createGrpcServer([
      catalogBinding(() => holder.double!),
      partitionMapBinding(() => holder.double!),
    ]);
    const bound = await server.listen('127.0.0.1', port);
    holder.double = new ControlPlaneDouble(server, `127.0.0.1:${bound}`);
    return holder.double;
  }

  /** The current map. */
  get current(): MapState {
    return this.state;
  }

  /** Publishes a new map: every open watch receives it as a change. */
  publish(epoch: bigint, tables: readonly TableMapInit[]): void {
    this.state = { epoch, tables };
    for (const watcher of this.watchers) watcher(this.state);
  }

  /** Registers a watch; returns its unsubscribe. */
  subscribe(onState: (state: MapState) => void): () => void {
    this.watchesOpened += 1;
    this.watchers.add(onState);
    return () => this.watchers.delete(onState);
  }

  /** Stops the server at once (open watches break). */
  async stop(): Promise<void> {
    await this.server.shutdown(0);
  }
}

function catalogBinding(double: () => ControlPlaneDouble) {
  const guard = (): void => {
    const control = double();
    control.catalogCalls += 1;
    if (control.leading) return;
    const metadata = new Metadata();
    if (control.leaderAddress !== '') metadata.set(leaderAddressMetadataKey, control.leaderAddress);
    throw new GrpcError(GrpcStatus.UNAVAILABLE, 'not the control-plane leader', metadata);
  };
  // The catalog knows every table of the newest map, the one GetPartitionMap answers with.
  const names = () =>
    (double().getMapOverride ?? double().current).tables
      .map((table) => table.schema.tableName)
      .sort();
  const notImplemented = { error: { type: 'ValidationException', message: 'not in the double' } };
  return bindService(Catalog, {
    async listTables() {
      guard();
      return { response: { tableNames: names() } };
    },
    async describeTable(request) {
      guard();
      const name = request.request?.tableName ?? '';
      if (!names().includes(name)) {
        return { error: { type: 'ResourceNotFoundException', message: `Table ${name} not found` } };
      }
      const table = {
        tableName: name,
        tableStatus: 'ACTIVE',
        attributeDefinitions: [{ attributeName: 'id', attributeType: double().describedKeyType }],
      };
      return { response: { table } };
    },
    async createTable() {
      guard();
      return notImplemented;
    },
    async deleteTable() {
      guard();
      return notImplemented;
    },
    async updateTable() {
      guard();
      return notImplemented;
    },
  });
}

function partitionMapBinding(double: () => ControlPlaneDouble) {
  return bindService(PartitionMap, {
    async getPartitionMap() {
      const state = double().getMapOverride ?? double().current;
      return { epoch: state.epoch, tables: state.tables as unknown as TableMap[] };
    },
    async *watchPartitionMap(_request, context) {
      const queue: MapState[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = double().subscribe((state) => {
        queue.push(state);
        wake?.();
      });
      const stopped = (): boolean => context.signal.aborted || context.shutdownSignal.aborted;
      const onAbort = (): void => wake?.();
      context.signal.addEventListener('abort', onAbort);
      context.shutdownSignal.addEventListener('abort', onAbort);
      try {
        const first = double().current;
        yield { epoch: first.epoch, snapshot: true, tables: first.tables as unknown as TableMap[] };
        while (!stopped()) {
          const next = queue.shift();
          if (next === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          yield {
            epoch: next.epoch,
            snapshot: false,
            tables: next.tables as unknown as TableMap[],
          };
        }
      } finally {
        unsubscribe();
      }
    },
  });
}

/** What a scripted storage node does with one call instead of (or before) serving it. */
export type StorageScript = (
  method: string,
  ref: PartitionRef | undefined,
) => { routingError?: Json; delayMs?: number } | undefined;

/** One recorded storage call. */
export interface StorageCall {
  readonly nodeId: string;
  readonly method: string;
  readonly partitionId: string;
}

/** The shared item store of the storage doubles: key `id` → item (DynamoDB JSON). */
export class ItemStore {
  readonly items = new Map<string, Json>();
  readonly calls: StorageCall[] = [];
}

function keyOf(json: Json): string {
  return JSON.stringify(json['Key'] ?? { id: (json['Item'] as Json)['id'] });
}

/** An item (DynamoDB JSON) as a `map<string, AttributeValue>` init. */
function attributesInit(item: Json): never {
  return messageInit(GetItemResponseSchema, { Item: item })['item'] as never;
}

/** TEST DOUBLE of a storage node: serves PutItem, GetItem and Scan from the shared store. */
export class StorageNodeDouble {
  script: StorageScript = () => undefined;

  constructor(
    readonly nodeId: string,
    readonly server: GrpcServer,
    readonly address: string,
  ) {}

  /** Starts a storage double sharing `store`. */
  static async start(nodeId: string, store: ItemStore): Promise<StorageNodeDouble> {
    const holder: { double?: StorageNodeDouble } = {};
    const server = createGrpcServer([storageBinding(nodeId, store, () => holder.double!)]);
    const port = await server.listen('127.0.0.1', 0);
    holder.double = new StorageNodeDouble(nodeId, server, `127.0.0.1:${port}`);
    return holder.double;
  }

  /** Stops the server at once: callers see UNAVAILABLE. */
  async stop(): Promise<void> {
    await this.server.shutdown(0);
  }
}

/** A Scan of the store's items whose key hashes lie in the request's range, in hash order. */
function scanStore(store: ItemStore, request: ScanRequest) {
  const start = Buffer.from(request.range?.start ?? new Uint8Array()).toString('hex');
  const end = Buffer.from(request.range?.end ?? new Uint8Array()).toString('hex');
  const json = messageToJson(ScanRequestSchema, request.request as never) as Json;
  const hashOf = (item: Json): string => {
    const parsed = itemFromWire(item);
    return parsed.ok ? partitionKeyHash(parsed.value.get('id')!) : '';
  };
  // Hash order, as a storage node iterates; after ExclusiveStartKey; at most Limit.
  const inRange = [...store.items.values()]
    .filter((item) => hashOf(item) >= start && (end === '' || hashOf(item) < end))
    .sort((a, b) => (hashOf(a) < hashOf(b) ? -1 : 1));
  const startKey = json['ExclusiveStartKey'] as Json | undefined;
  const after =
    startKey === undefined ? inRange : inRange.filter((item) => hashOf(item) > hashOf(startKey));
  const limit = typeof json['Limit'] === 'number' ? json['Limit'] : Infinity;
  const items = after.slice(0, limit);
  const more = after.length > items.length;
  return {
    items: items.map((item) => ({ attributes: attributesInit(item) })),
    count: items.length,
    scannedCount: items.length,
    lastEvaluatedKey: more ? attributesInit({ id: items.at(-1)!['id'] }) : {},
    consumedCapacity: { capacityUnits: items.length === 0 ? 0.5 : 1 },
  };
}

function storageBinding(nodeId: string, store: ItemStore, double: () => StorageNodeDouble) {
  async function scripted(method: string, ref: PartitionRef | undefined, signal: AbortSignal) {
    store.calls.push({ nodeId, method, partitionId: ref?.partitionId ?? '' });
    const step = double().script(method, ref);
    if (step?.delayMs !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, step.delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (step?.routingError === undefined) return undefined;
    const [kind, value] = Object.entries(step.routingError)[0]!;
    return { routingError: { kind: { case: kind, value } } };
  }
  const notServed = { error: { type: 'ValidationException', message: 'not in the double' } };
  return bindService(Storage, {
    async putItem(request, context) {
      const routed = await scripted('PutItem', request.partition, context.signal);
      if (routed) return routed as never;
      const json = messageToJson(PutItemRequestSchema, request.request as never) as Json;
      const old = store.items.get(keyOf(json));
      store.items.set(keyOf(json), json['Item'] as Json);
      return { response: { attributes: old === undefined ? {} : attributesInit(old) } };
    },
    async getItem(request, context) {
      const routed = await scripted('GetItem', request.partition, context.signal);
      if (routed) return routed as never;
      const json = messageToJson(GetItemRequestSchema, request.request as never) as Json;
      const item = store.items.get(keyOf(json));
      if (item === undefined) return { response: { found: false } };
      return { response: { found: true, item: attributesInit(item) } };
    },
    async scan(request, context) {
      const routed = await scripted('Scan', request.partition, context.signal);
      if (routed) return routed as never;
      return { response: scanStore(store, request) };
    },
    async query() {
      return notServed;
    },
    async updateItem() {
      return notServed;
    },
    async deleteItem() {
      return notServed;
    },
    async batchWrite() {
      return notServed;
    },
  });
}
