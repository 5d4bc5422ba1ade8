// Real control-plane processes with a small snapshot interval: the Raft log is compacted behind
// snapshot images. One replica restarted on its data directory finds its catalog intact while
// the log directory stays bounded; with three replicas, a replica stopped while the others move
// past compaction is caught up by the leader's snapshot over InstallSnapshot when it returns.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClient, openChannel } from '../../lib/grpc/index.js';
import { PartitionMap } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { pollUntil } from '../helpers/poll.js';
import { stopProcess } from '../helpers/process.js';
import {
  bringNodesUp,
  findLeader,
  freePorts,
  startReplica,
  tableRequest,
  temporaryDirectory,
} from './cluster.js';
import type { Replica } from './cluster.js';

const SEGMENT_BYTES = 4_096;

/**
 * Flags for a replica that snapshots every `every` entries, with tiny log segments. The simulated
 * storage nodes heartbeat only while coming up, so failure detection is slowed to keep them up.
 */
function compactionArgs(every: number): string[] {
  return [
    '--storage-actions=false',
    '--suspect-after-ms=3600000',
    '--down-after-ms=7200000',
    `--snapshot-every-entries=${every}`,
    '--snapshot-retain-entries=2',
    `--log-segment-bytes=${SEGMENT_BYTES}`,
  ];
}

/** The segment files of a replica's Raft log and their total size. */
function raftDirectory(dataDirectory: string): { sequences: number[]; bytes: number } {
  const directory = join(dataDirectory, 'raft');
  const names = readdirSync(directory).filter((name) => name.endsWith('.wal'));
  return {
    sequences: names.map((name) => Number.parseInt(name, 10)).sort((a, b) => a - b),
    bytes: names.reduce((sum, name) => sum + statSync(join(directory, name)).size, 0),
  };
}

async function createTables(leader: Replica, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const created = await leader.catalog.createTable(tableRequest(name));
    assert.equal(created.error, undefined, name);
  }
}

const tableNames = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('control-plane log compaction', () => {
  const directory = temporaryDirectory();
  const started: Replica[] = [];
  after(async () => {
    for (const replica of started) {
      replica.close();
      await stopProcess(replica.process);
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('restarts from a snapshot with the catalog intact and the log directory bounded', async () => {
    const dataDirectory = join(directory, 'single');
    const [port = 0] = await freePorts(1);
    const first = await startReplica('control-1', dataDirectory, port, [], compactionArgs(10));
    started.push(first);
    await findLeader([first]);
    await bringNodesUp(first, ['s1', 's2', 's3']);
    const names = tableNames('Table', 60);
    await createTables(first, names);
    await first.process.waitForLine((line) => line.includes('"msg":"snapshot taken"'), 10_000);
    const described = await first.catalog.describeTable({ request: { tableName: 'Table042' } });
    first.process.signal('SIGTERM');
    assert.equal((await first.process.exited).code, 0);
    first.close();

    // Sixty CreateTables wrote far more than the few segments left: the rest were deleted.
    const log = raftDirectory(dataDirectory);
    assert.ok((log.sequences[0] ?? 0) > 3, `segments left: ${log.sequences.join(',')}`);
    assert.ok(log.bytes <= 6 * SEGMENT_BYTES, `raft log holds ${log.bytes} bytes`);
    const images = readdirSync(join(dataDirectory, 'snapshots'));
    assert.equal(images.length, 1, images.join(','));

    const second = await startReplica('control-1', dataDirectory, port, [], compactionArgs(10));
    started.push(second);
    await findLeader([second]);
    const listed = await second.catalog.listTables({ request: {} });
    assert.deepEqual(listed.response?.tableNames, names);
    const again = await second.catalog.describeTable({ request: { tableName: 'Table042' } });
    assert.equal(again.response?.table?.tableId, described.response?.table?.tableId);
    assert.equal(
      again.response?.table?.creationDateTime,
      described.response?.table?.creationDateTime,
    );
    const status = await second.admin.getClusterStatus({});
    assert.deepEqual(
      status.nodes.map((n) => n.nodeId),
      ['s1', 's2', 's3'],
    );
    assert.equal(status.partitionCount, 120);
    second.process.signal('SIGTERM');
    await second.process.exited;
    second.close();
  });

  it('catches a returning replica up by snapshot after the others compacted past it', async () => {
    const ids = ['control-1', 'control-2', 'control-3'];
    const ports = await freePorts(3);
    const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i] ?? 0}`);
    const start = (i: number): Promise<Replica> =>
      startReplica(
        ids[i] ?? '',
        join(directory, ids[i] ?? ''),
        ports[i] ?? 0,
        peers,
        compactionArgs(10),
      );
    const replicas = await Promise.all(ids.map((_, i) => start(i)));
    started.push(...replicas);
    const leader = await findLeader(replicas);
    await bringNodesUp(leader, ['s1', 's2', 's3']);
    await createTables(leader, ['Early']);

    const stoppedIndex = replicas.findIndex((r) => r !== leader);
    const stopped = replicas[stoppedIndex];
    assert.ok(stopped);
    stopped.process.signal('SIGKILL');
    await stopped.process.exited;
    stopped.close();
    const names = tableNames('Later', 30);
    await createTables(leader, names);
    await leader.process.waitForLine((line) => line.includes('"msg":"snapshot taken"'), 10_000);

    const back = await start(stoppedIndex);
    started.push(back);
    await back.process.waitForLine((line) => line.includes('"msg":"snapshot installed"'), 20_000);
    // Every replica serves the partition map from its own applied state.
    const channel = openChannel(back.address);
    try {
      const map = createClient(PartitionMap, channel, { defaultTimeoutMs: 5_000 });
      const tables = await pollUntil(
        async () => {
          const answer = await map.getPartitionMap({});
          return answer.tables.length === 31 ? answer.tables : undefined;
        },
        { timeoutMs: 20_000, description: 'the returning replica holds all 31 tables' },
      );
      assert.deepEqual(tables.map((t) => t.schema?.tableName).sort(), ['Early', ...names].sort());
    } finally {
      channel.close();
    }
    // It keeps up with ordinary entries after the snapshot.
    await createTables(leader, ['Latest']);
    const latest = openChannel(back.address);
    try {
      const map = createClient(PartitionMap, latest, { defaultTimeoutMs: 5_000 });
      await pollUntil(
        async () => ((await map.getPartitionMap({})).tables.length === 32 ? true : undefined),
        { timeoutMs: 10_000, description: 'the returning replica applies new entries' },
      );
    } finally {
      latest.close();
    }
  });
});
