// The control plane's gRPC services in-process over 127.0.0.1 with real lib/grpc clients: the
// catalog (CreateTable → CREATING → ACTIVE once simulated storage leaders report, ListTables
// paging, errors as data), membership, the partition-map watch (snapshot, then changes with
// growing epochs), the admin API, the not-leader answer, and the metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createClient, GrpcError, openChannel } from '../../lib/grpc/index.js';
import {
  Catalog,
  ControlAdmin,
  Membership,
  NodeState,
  PartitionMap,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import type { WatchPartitionMapResponse } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { createLogger } from '../../lib/runtime/index.js';
import { startControlPlane } from '../../services/control-plane/control-plane.js';
import type { RunningControlPlane } from '../../services/control-plane/control-plane.js';
import { createControlConfig } from '../../services/control-plane/core/config.js';
import { RecordingExecutor } from '../../services/control-plane/replica/executor.js';
import { MemoryDriverLog } from '../../services/control-plane/replica/memory-log.js';
import { LEADER_ID_TRAILER } from '../../services/control-plane/server/context.js';
import { pollUntil } from '../helpers/poll.js';

const silent = createLogger('control-plane-test', 'silent');
const nodeIds = ['s1', 's2', 's3'];

function tableRequest(tableName: string) {
  return {
    request: {
      tableName,
      keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
      attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
      billingMode: 'PAY_PER_REQUEST',
    },
  };
}

async function start(
  replicaId: string,
  registry: Registry,
  executor = new RecordingExecutor(),
): Promise<RunningControlPlane> {
  return startControlPlane(
    {
      replicaId,
      dataDirectory: '',
      grpcHost: '127.0.0.1',
      grpcPort: 0,
      advertiseAddress: '',
      replicas: new Map([[replicaId, '']]),
      config: createControlConfig({ initialPartitionsPerTable: 2 }),
      arn: { region: 'local', accountId: '000000000000' },
      tickIntervalMs: 10,
      electionTicks: 5,
      heartbeatTicks: 1,
      reconcileEveryTicks: 2,
      heartbeatIntervalMs: 100,
      executor,
      log: MemoryDriverLog.create([replicaId]),
    },
    silent,
    registry,
  );
}

describe('control-plane gRPC services', () => {
  const registry = new Registry();
  const executor = new RecordingExecutor();
  let replica: RunningControlPlane;
  let channel: ReturnType<typeof openChannel>;

  before(async () => {
    replica = await start('cp-1', registry, executor);
    channel = openChannel(`127.0.0.1:${replica.port}`);
    await pollUntil(() => (replica.driver.isLeader ? true : undefined), {
      timeoutMs: 5_000,
      description: 'leader',
    });
  });
  after(async () => {
    channel.close();
    await replica.stop(1_000);
  });

  it('registers nodes, takes heartbeats, creates a table that turns ACTIVE, and watches the map', async () => {
    const membership = createClient(Membership, channel);
    const catalog = createClient(Catalog, channel);
    const maps = createClient(PartitionMap, channel);
    const watchAbort = new AbortController();
    const watched: WatchPartitionMapResponse[] = [];
    const watching = (async () => {
      try {
        for await (const message of maps.watchPartitionMap({}, { signal: watchAbort.signal }))
          watched.push(message);
      } catch (error) {
        if (!watchAbort.signal.aborted) throw error;
      }
    })();
    for (const nodeId of nodeIds) {
      const registered = await membership.registerNode({
        nodeId,
        address: `127.0.0.1:${nodeId === 's1' ? 1 : 2}`,
        zone: '',
      });
      assert.equal(registered.state, NodeState.JOINING);
      assert.equal(registered.heartbeatIntervalMs, 100);
    }
    const beat = async (reports: Parameters<typeof membership.heartbeat>[0]['reports'] = []) => {
      for (const nodeId of nodeIds)
        await membership.heartbeat({ nodeId, reports: nodeId === 's1' ? reports : [] });
    };
    await pollUntil(
      async () => {
        await beat();
        return nodeIds.every((id) => replica.driver.state.nodes[id]?.state === 'up')
          ? true
          : undefined;
      },
      { timeoutMs: 5_000, description: 'nodes up' },
    );
    await assert.rejects(
      membership.heartbeat({ nodeId: 'ghost', reports: [] }),
      (error: GrpcError) => error.codeName === 'NOT_FOUND',
    );

    const created = await catalog.createTable(tableRequest('Music'));
    assert.equal(created.error, undefined);
    assert.equal(created.response?.tableDescription?.tableStatus, 'CREATING');
    const described = await catalog.describeTable({ request: { tableName: 'Music' } });
    assert.equal(described.response?.table?.tableStatus, 'CREATING');
    const duplicate = await catalog.createTable(tableRequest('Music'));
    assert.equal(duplicate.error?.type, 'ResourceInUseException');
    assert.equal(duplicate.error?.message, 'Table already exists: Music');

    const partitions = Object.values(replica.driver.state.partitions);
    assert.equal(partitions.length, 2);
    // The leader asks the storage nodes for the replicas before any of them can report.
    await pollUntil(
      () =>
        executor.calls.filter((call) => call.startsWith('create:')).length === 2 ? true : undefined,
      { timeoutMs: 5_000, description: 'replicas created on storage nodes' },
    );
    await pollUntil(
      async () => {
        await beat(
          partitions.map((p) => ({
            tableId: p.tableId,
            partitionId: p.partitionId,
            epoch: BigInt(p.epoch),
            leader: true,
            term: 2n,
            sizeBytes: 10n,
            itemCount: 1n,
          })),
        );
        const table = await catalog.describeTable({ request: { tableName: 'Music' } });
        return table.response?.table?.tableStatus === 'ACTIVE' ? table : undefined;
      },
      { timeoutMs: 5_000, description: 'table ACTIVE' },
    );

    await pollUntil(
      () =>
        watched.some((m) => m.tables.some((t) => t.tableStatus === 'ACTIVE')) ? true : undefined,
      { timeoutMs: 5_000, description: 'watch sees ACTIVE' },
    );
    watchAbort.abort();
    await watching;
    assert.equal(watched[0]?.snapshot, true);
    for (let i = 1; i < watched.length; i++) {
      assert.equal(watched[i]?.snapshot, false);
      assert.ok((watched[i]?.epoch ?? 0n) > (watched[i - 1]?.epoch ?? 0n), 'epochs grow');
    }
    const active = watched.at(-1)?.tables.find((t) => t.schema?.tableName === 'Music');
    assert.equal(active?.partitions.length, 2);
    assert.equal(active?.partitions[0]?.leaderNodeId, 's1');
    const map = await maps.getPartitionMap({});
    assert.equal(map.epoch, watched.at(-1)?.epoch);
  });

  it('pages ListTables and answers DynamoDB errors as data', async () => {
    const catalog = createClient(Catalog, channel);
    for (const name of ['Alpha', 'Beta', 'Gamma']) {
      assert.equal((await catalog.createTable(tableRequest(name))).error, undefined);
    }
    const names: string[] = [];
    let start = '';
    for (let page = 0; page < 10; page++) {
      const listed = await catalog.listTables({
        request: { exclusiveStartTableName: start, limit: 2 },
      });
      names.push(...(listed.response?.tableNames ?? []));
      start = listed.response?.lastEvaluatedTableName ?? '';
      if (start === '') break;
    }
    assert.deepEqual(names, ['Alpha', 'Beta', 'Gamma', 'Music']);
    const missing = await catalog.describeTable({ request: { tableName: 'Nope' } });
    assert.equal(missing.error?.type, 'ResourceNotFoundException');
    const stillCreating = await catalog.deleteTable({ request: { tableName: 'Alpha' } });
    assert.equal(stillCreating.error?.type, 'ResourceInUseException');
    const deleted = await catalog.deleteTable({ request: { tableName: 'Music' } });
    assert.equal(deleted.response?.tableDescription?.tableStatus, 'DELETING');
    await pollUntil(
      async () => {
        const gone = await catalog.describeTable({ request: { tableName: 'Music' } });
        return gone.error?.type === 'ResourceNotFoundException' ? true : undefined;
      },
      { timeoutMs: 5_000, description: 'Music dropped after the executor dropped its data' },
    );
    assert.ok(executor.calls.some((call) => call.startsWith('drop:')));
  });

  it('answers the admin API: status, drain, cancel, node and partition detail', async () => {
    const admin = createClient(ControlAdmin, channel);
    const status = await admin.getClusterStatus({});
    assert.equal(status.controlPlaneLeader, true);
    assert.equal(status.nodes.length, 3);
    assert.ok(status.partitionCount >= 2);
    const drained = await admin.drainNode({ nodeId: 's2' });
    assert.equal(drained.node?.state, NodeState.DRAINING);
    const again = await admin.cancelDrain({ nodeId: 's2' });
    assert.equal(again.node?.state, NodeState.UP);
    const unknown = await admin.drainNode({ nodeId: 'nobody' });
    assert.equal(unknown.error?.type, 'NodeNotFound');
    const node = await admin.getNode({ nodeId: 's1' });
    assert.ok((node.partitions.length ?? 0) > 0);
    const partitionId = node.partitions[0]?.partitionId ?? '';
    const partition = await admin.getPartition({ partitionId });
    assert.equal(partition.partition?.partitionId, partitionId);
    assert.equal(
      (await admin.getPartition({ partitionId: 'p-none' })).error?.type,
      'PartitionNotFound',
    );
  });

  it('exports the control-plane metrics through lib/metrics', async () => {
    await pollUntil(
      async () => {
        const text = await registry.metrics();
        return /tessera_control_partitions \d/.test(text) &&
          /tessera_control_is_leader 1/.test(text)
          ? text
          : undefined;
      },
      { timeoutMs: 5_000, description: 'gauges refreshed' },
    );
    const text = await registry.metrics();
    assert.match(text, /tessera_control_nodes\{state="alive"\} 3/);
    assert.match(
      text,
      /tessera_control_catalog_operations_total\{operation="CreateTable",outcome="ok"\} 4/,
    );
    assert.match(
      text,
      /tessera_control_catalog_operations_total\{operation="CreateTable",outcome="error"\} 1/,
    );
    assert.match(text, /tessera_control_heartbeats_total \d+/);
  });

  it('ends watch streams promptly on shutdown', async () => {
    const other = await start('cp-5', new Registry());
    const otherChannel = openChannel(`127.0.0.1:${other.port}`);
    try {
      const maps = createClient(PartitionMap, otherChannel);
      const received: bigint[] = [];
      const stream = (async () => {
        try {
          for await (const message of maps.watchPartitionMap({})) received.push(message.epoch);
          return 'ended';
        } catch (error) {
          return error instanceof GrpcError ? error.codeName : String(error);
        }
      })();
      await pollUntil(() => (received.length > 0 ? true : undefined), {
        timeoutMs: 5_000,
        description: 'first watch message',
      });
      const startedMs = Date.now();
      const stopped = await other.stop(5_000);
      assert.equal(stopped.forced, false);
      assert.ok(
        Date.now() - startedMs < 2_000,
        'the stream ended without waiting for the grace period',
      );
      assert.equal(await stream, 'ended');
    } finally {
      otherChannel.close();
    }
  });

  it('answers UNAVAILABLE naming the leader on a replica that does not lead', async () => {
    const lonely = await startControlPlane(
      {
        replicaId: 'cp-9',
        dataDirectory: '',
        grpcHost: '127.0.0.1',
        grpcPort: 0,
        advertiseAddress: '',
        replicas: new Map([
          ['cp-9', ''],
          ['cp-8', '127.0.0.1:1'],
          ['cp-7', '127.0.0.1:1'],
        ]),
        config: createControlConfig(),
        arn: { region: 'local', accountId: '0' },
        tickIntervalMs: 1_000,
        electionTicks: 5,
        heartbeatTicks: 1,
        reconcileEveryTicks: 2,
        heartbeatIntervalMs: 100,
        executor: null,
        log: MemoryDriverLog.create(['cp-9', 'cp-8', 'cp-7']),
      },
      silent,
      new Registry(),
    );
    const lonelyChannel = openChannel(`127.0.0.1:${lonely.port}`);
    try {
      const catalog = createClient(Catalog, lonelyChannel);
      await assert.rejects(catalog.listTables({ request: {} }), (error: GrpcError) => {
        assert.equal(error.codeName, 'UNAVAILABLE');
        assert.deepEqual(error.metadata.get(LEADER_ID_TRAILER), ['']);
        return true;
      });
    } finally {
      lonelyChannel.close();
      await lonely.stop(500);
    }
  });
});
