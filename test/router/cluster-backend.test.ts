// The router's cluster backend against TEST DOUBLES of the control plane and storage nodes
// (in-process gRPC servers on 127.0.0.1, see cluster-doubles.ts): the partition-map watch,
// routing errors, bounded retries inside the deadline, failover and hedging of eventually
// consistent reads, reconnecting the watch, and the whole router over HTTP with the AWS SDK.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { av, type ValidatedRequest } from '../../lib/dynamo/index.js';
import {
  createClusterBackend,
  type ClusterBackendOptions,
} from '../../services/router/backend/grpc-backend.js';
import type { TableInfo } from '../../services/router/backend.js';
import { startHttpServer } from '../../services/router/http/server.js';
import { partitionKeyHash } from '../../services/router/routing/hash-space.js';
import { pollUntil } from '../helpers/poll.js';
import {
  ControlPlaneDouble,
  ItemStore,
  StorageNodeDouble,
  tableMap,
  type PartitionSpec,
} from './cluster-doubles.js';

const split = `8${'0'.repeat(31)}`;

/** A key whose hash falls below (`low`) or above the split point. */
function keyIn(side: 'low' | 'high'): string {
  for (let index = 0; ; index += 1) {
    const key = `k${index}`;
    if (partitionKeyHash(av.s(key)) < split === (side === 'low')) return key;
  }
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function cluster(nodeCount: number, options: Partial<ClusterBackendOptions> = {}) {
  const control = await ControlPlaneDouble.start();
  const store = new ItemStore();
  const nodes: StorageNodeDouble[] = [];
  for (let index = 0; index < nodeCount; index += 1) {
    nodes.push(await StorageNodeDouble.start(`n${index}`, store));
  }
  const retries: string[] = [];
  const backend = createClusterBackend({
    controlPlaneAddresses: [control.address],
    reconnectBaseDelayMs: 5,
    reconnectMaxDelayMs: 20,
    requestTimeoutMs: 2000,
    hedgeAfterMs: 1000,
    observer: { retried: (_operation, reason) => retries.push(reason), storageCall: () => {} },
    ...options,
  });
  closers.push(async () => {
    await backend.stop();
    for (const node of nodes) await node.stop();
    await control.stop();
  });
  return { control, store, nodes, backend, retries };
}

function replica(node: StorageNodeDouble) {
  return { nodeId: node.nodeId, address: node.address };
}

function onePartition(nodes: readonly StorageNodeDouble[], leader = 0, epoch = 1n): PartitionSpec {
  return {
    partitionId: 'p0',
    start: '',
    end: '',
    replicas: nodes.map(replica),
    leaderNodeId: nodes[leader]!.nodeId,
    epoch,
  };
}

async function waitForEpoch(backend: { cache: { epoch: bigint } }, epoch: bigint): Promise<void> {
  await pollUntil(() => (backend.cache.epoch >= epoch ? true : undefined), {
    timeoutMs: 5000,
    intervalMs: 5,
    description: `partition map epoch ${epoch}`,
  });
}

const table: TableInfo = {
  tableName: 'Tbl',
  tableId: 'Tbl-id',
  keySchema: { partitionKey: { name: 'id', type: 'S' } },
  tableStatus: 'ACTIVE',
};

function getRequest(id: string, consistent: boolean): ValidatedRequest {
  return {
    data: { TableName: 'Tbl', Key: { id: { S: id } }, ConsistentRead: consistent },
    key: new Map([['id', av.s(id)]]),
  };
}

function putRequest(id: string): ValidatedRequest {
  const wire = { id: { S: id }, v: { S: 'x' } };
  return {
    data: { TableName: 'Tbl', Item: wire },
    item: new Map([
      ['id', av.s(id)],
      ['v', av.s('x')],
    ]),
  };
}

describe('cluster backend', () => {
  test('applies the snapshot, then a change, and routes by the new map', async () => {
    const { control, nodes, backend, store } = await cluster(2);
    control.publish(1n, [tableMap('Tbl', [onePartition([nodes[0]!])])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    assert.deepEqual(await backend.catalog.tableInfo('Tbl'), { kind: 'ok', value: table });
    control.publish(2n, [
      tableMap('Tbl', [
        {
          partitionId: 'p0',
          start: '',
          end: split,
          replicas: [replica(nodes[0]!)],
          leaderNodeId: 'n0',
        },
        {
          partitionId: 'p1',
          start: split,
          end: '',
          replicas: [replica(nodes[1]!)],
          leaderNodeId: 'n1',
        },
      ]),
    ]);
    await waitForEpoch(backend, 2n);
    assert.equal(backend.cache.table('Tbl')?.partitions.length, 2);
    const high = keyIn('high');
    assert.equal((await backend.data.putItem(table, putRequest(high))).kind, 'ok');
    assert.deepEqual(store.calls.at(-1), { nodeId: 'n1', method: 'PutItem', partitionId: 'p1' });
    const read = await backend.data.getItem(table, getRequest(high, true));
    assert.equal(read.kind === 'ok' && read.value.item?.get('v')?.type, 'S');
  });

  test('key types missing from the map come from DescribeTable, once per table', async () => {
    const { control, nodes, backend } = await cluster(1);
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes)], { untyped: true })]);
    backend.start();
    await waitForEpoch(backend, 1n);
    assert.equal(backend.cache.table('Tbl')?.keyTypesKnown, false);
    // The map says 'S' provisionally; the catalog says N, and wins.
    control.describedKeyType = 'N';
    const numeric = { ...table, keySchema: { partitionKey: { name: 'id', type: 'N' } } };
    assert.deepEqual(await backend.catalog.tableInfo('Tbl'), { kind: 'ok', value: numeric });
    assert.deepEqual(await backend.catalog.tableInfo('Tbl'), { kind: 'ok', value: numeric });
    assert.equal(control.catalogCalls, 1);
  });

  test('a table the watch has not brought yet is looked up, not answered "not found"', async () => {
    const { control, nodes, backend } = await cluster(1);
    control.publish(1n, []);
    backend.start();
    await waitForEpoch(backend, 1n);
    // DescribeTable already shows the table; the watch has not delivered it yet.
    control.getMapOverride = { epoch: 2n, tables: [tableMap('Tbl', [onePartition(nodes)])] };
    assert.deepEqual(await backend.catalog.tableInfo('Tbl'), { kind: 'ok', value: table });
    // A table the control plane does not know is not found, and asked about once a second.
    const before = control.catalogCalls;
    for (let i = 0; i < 3; i++) {
      const missing = await backend.catalog.tableInfo('Nope');
      assert.equal(missing.kind === 'error' && missing.error.name, 'ResourceNotFoundException');
    }
    assert.equal(control.catalogCalls, before + 1);
  });

  test('NotLeader with a hint is retried at the hint', async () => {
    const { control, nodes, backend, store, retries } = await cluster(2);
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes, 0)])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    nodes[0]!.script = () => ({
      routingError: { notLeader: { leaderNodeId: 'n1', leaderAddress: nodes[1]!.address } },
    });
    const result = await backend.data.putItem(table, putRequest('a'));
    assert.equal(result.kind, 'ok');
    assert.deepEqual(
      store.calls.map((call) => call.nodeId),
      ['n0', 'n1'],
    );
    assert.deepEqual(retries, ['not_leader']);
    assert.equal(backend.cache.table('Tbl')?.partitions[0]?.leaderNodeId, 'n1');
  });

  test('WrongPartition refreshes the map and retries at the new owner', async () => {
    const { control, nodes, backend, store, retries } = await cluster(2);
    control.publish(1n, [tableMap('Tbl', [onePartition([nodes[0]!])])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    nodes[0]!.script = () => ({
      routingError: { wrongPartition: { partitionId: 'p0', epoch: 2n } },
    });
    // The watch does not carry the move: only GetPartitionMap knows it.
    control.getMapOverride = {
      epoch: 2n,
      tables: [tableMap('Tbl', [{ ...onePartition([nodes[1]!]), partitionId: 'p9', epoch: 2n }])],
    };
    const result = await backend.data.getItem(table, getRequest('a', true));
    assert.deepEqual(result, { kind: 'ok', value: {} });
    assert.equal(backend.cache.epoch, 2n);
    assert.deepEqual(store.calls.at(-1), { nodeId: 'n1', method: 'GetItem', partitionId: 'p9' });
    assert.deepEqual(retries, ['wrong_partition']);
  });

  test('retries stop at the request deadline', async () => {
    const clock = { nowMs: 0 };
    const { control, nodes, backend, store } = await cluster(1, {
      nowMs: () => clock.nowMs,
      sleep: async (delayMs) => {
        clock.nowMs += delayMs;
      },
      random: () => 0.999,
      retryPolicy: { attemptsMax: 1000, baseDelayMs: 100, maxDelayMs: 100 },
      requestTimeoutMs: 1000,
    });
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes)])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    nodes[0]!.script = () => ({ routingError: { notLeader: {} } });
    const result = await backend.data.getItem(table, getRequest('a', true));
    assert.equal(result.kind, 'unavailable');
    // 99 ms per retry inside 1000 ms: ten attempts, far from the 1000 the policy allows.
    assert.equal(store.calls.length, 11);
    assert.ok(clock.nowMs < 1000, `retried past the deadline: ${clock.nowMs}`);
  });

  test('a write whose deadline passed is not sent again', async () => {
    const { control, nodes, backend, store } = await cluster(2, { requestTimeoutMs: 200 });
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes, 0)])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    nodes[0]!.script = () => ({ delayMs: 5000 });
    const result = await backend.data.putItem(table, putRequest('a'));
    assert.equal(result.kind, 'unavailable');
    assert.equal(result.kind === 'unavailable' && /DEADLINE_EXCEEDED/.test(result.reason), true);
    assert.deepEqual(
      store.calls.map((call) => call.nodeId),
      ['n0'],
    );
  });

  test('an eventually consistent read fails over to another replica when the first is down', async () => {
    const { control, nodes, backend, store } = await cluster(2);
    await nodes[0]!.stop();
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes, 0)])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    store.items.set(JSON.stringify({ id: { S: 'a' } }), { id: { S: 'a' } });
    const eventual = await backend.data.getItem(table, getRequest('a', false));
    assert.equal(eventual.kind === 'ok' && eventual.value.item?.size, 1);
    assert.deepEqual(
      store.calls.map((call) => call.nodeId),
      ['n1'],
    );
  });

  test('a slow replica is hedged for eventually consistent reads', async () => {
    const { control, nodes, backend, store } = await cluster(2, { hedgeAfterMs: 20 });
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes, 0)])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    nodes[0]!.script = () => ({ delayMs: 5000 });
    const started = Date.now();
    const result = await backend.data.getItem(table, getRequest('a', false));
    assert.deepEqual(result, { kind: 'ok', value: {} });
    assert.ok(Date.now() - started < 2000, 'the hedged read waited for the slow replica');
    assert.deepEqual(
      store.calls.map((call) => call.nodeId),
      ['n0', 'n1'],
    );
  });

  test('the watch reconnects after the control plane restarts', async () => {
    const { control, nodes, backend } = await cluster(1);
    control.publish(1n, [tableMap('Tbl', [onePartition(nodes)])]);
    backend.start();
    await waitForEpoch(backend, 1n);
    const port = Number(control.address.split(':')[1]);
    await control.stop();
    const restarted = await ControlPlaneDouble.start(port);
    closers.push(() => restarted.stop());
    restarted.publish(5n, [tableMap('Tbl', [onePartition(nodes, 0, 5n)])]);
    await waitForEpoch(backend, 5n);
    assert.ok(backend.watcher.reconnects >= 1);
    assert.equal(restarted.watchesOpened >= 1, true);
  });

  test('catalog calls move from a non-leading control plane to the leader it names', async () => {
    const { control, backend } = await cluster(0);
    const follower = await ControlPlaneDouble.start();
    closers.push(() => follower.stop());
    follower.leading = false;
    follower.leaderAddress = control.address;
    control.publish(1n, [tableMap('Tbl', [])]);
    const viaFollower = createClusterBackend({ controlPlaneAddresses: [follower.address] });
    closers.push(() => viaFollower.stop());
    const listed = await viaFollower.catalog.listTables(undefined, 10);
    assert.deepEqual(listed, { kind: 'ok', value: { tableNames: ['Tbl'] } });
    assert.equal(follower.catalogCalls, 1);
    assert.equal(control.catalogCalls, 1);
    follower.leaderAddress = '';
    const alone = await viaFollower.catalog.describeTable('Tbl');
    assert.equal(alone.kind, 'unavailable');
    assert.ok(backend);
  });
});

describe('the router over the cluster backend (AWS SDK, HTTP)', () => {
  test('puts, gets, scans across partitions, and leaves an unavailable partition unprocessed', async () => {
    const { control, nodes, backend } = await cluster(2, {
      retryPolicy: { attemptsMax: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    control.publish(1n, [
      tableMap('Tbl', [
        {
          partitionId: 'p0',
          start: '',
          end: split,
          replicas: [replica(nodes[0]!)],
          leaderNodeId: 'n0',
        },
        {
          partitionId: 'p1',
          start: split,
          end: '',
          replicas: [replica(nodes[1]!)],
          leaderNodeId: 'n1',
        },
      ]),
    ]);
    backend.start();
    await waitForEpoch(backend, 1n);
    const server = await startHttpServer(
      {
        context: { backend, endpointAddress: '127.0.0.1', batchConcurrencyMax: 4 },
        requestBytesMax: 16 * 1024 * 1024,
        region: 'us-east-1',
        nowMs: () => Date.now(),
      },
      '127.0.0.1',
      0,
    );
    closers.push(async () => {
      await server.close(0);
    });
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${server.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    closers.push(async () => client.destroy());
    const [low, high] = [keyIn('low'), keyIn('high')];
    for (const id of [low, high]) {
      await client.send(new PutItemCommand({ TableName: 'Tbl', Item: { id: { S: id } } }));
    }
    const got = await client.send(
      new GetItemCommand({ TableName: 'Tbl', Key: { id: { S: low } } }),
    );
    assert.deepEqual(got.Item, { id: { S: low } });
    const scanned = await client.send(new ScanCommand({ TableName: 'Tbl' }));
    assert.deepEqual(
      scanned.Items?.map((item) => item['id']?.S),
      [low, high],
    );
    assert.deepEqual((await client.send(new ListTablesCommand({}))).TableNames, ['Tbl']);
    // Limit 1 ends a page at each partition's end: the page must still say where to go on.
    const pages: (string | undefined)[][] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: 'Tbl', Limit: 1, ExclusiveStartKey: startKey }),
      );
      pages.push(page.Items?.map((item) => item['id']?.S) ?? []);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && pages.length < 5);
    assert.deepEqual(pages.flat(), [low, high]);
    nodes[1]!.script = () => ({ routingError: { partitionUnavailable: { reason: 'no quorum' } } });
    const batch = await client.send(
      new BatchGetItemCommand({
        RequestItems: { Tbl: { Keys: [{ id: { S: low } }, { id: { S: high } }] } },
      }),
    );
    assert.deepEqual(batch.Responses?.['Tbl'], [{ id: { S: low } }]);
    assert.deepEqual(batch.UnprocessedKeys?.['Tbl']?.Keys, [{ id: { S: high } }]);
  });
});
