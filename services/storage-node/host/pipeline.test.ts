// The pipelined Ready loop keeps Raft's promises: with log writes held back on purpose, a
// leader answers a write only once its OWN log holds it (even when both followers acknowledged
// first), followers apply nothing the leader has not durably written, a follower acknowledges
// only what it wrote, and the commit / apply metric hooks see every write.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryEngine } from '../engine/memory-engine.js';
import { StorageHost, type CreateReplicaParams, type HostObserver } from './host.js';
import { memoryLogProvider, type GroupLog, type LogProvider } from './log-provider.js';
import { MemoryNetwork, settle, tickUntil } from './memory-network.js';
import { executeWrite } from './operations.js';
import type { HostAnswer } from './routing.js';

/** A log provider whose writes can be held: they reach the log at once, durable on release. */
class GatedLogs implements LogProvider {
  held = false;
  /** Every write from now on fails (a disk error) after reaching the log's memory. */
  failing = false;
  private readonly waiting: (() => void)[] = [];
  private readonly inner = memoryLogProvider();

  open(groupNumber: number) {
    const opened = this.inner.open(groupNumber);
    return opened.ok ? { ok: true as const, value: this.wrap(opened.value) } : opened;
  }

  async bootstrap(groupNumber: number, snapshot: Parameters<LogProvider['bootstrap']>[1]) {
    const created = await this.inner.bootstrap(groupNumber, snapshot);
    return created.ok ? { ok: true as const, value: this.wrap(created.value) } : created;
  }

  remove(groupNumber: number): void {
    this.inner.remove(groupNumber);
  }

  /** Makes every held write durable, oldest first. */
  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private wrap(log: GroupLog): GroupLog {
    return {
      storage: log.storage,
      reportFlushed: (index) => log.reportFlushed(index),
      persist: async (request) => {
        const gate = this.held
          ? new Promise<void>((resolve) => this.waiting.push(resolve))
          : undefined;
        const failing = this.failing;
        const done = await log.persist(request);
        await gate;
        return failing ? { ok: false as const, reason: 'disk error (test)' } : done;
      },
    };
  }
}

interface Node {
  readonly host: StorageHost;
  readonly logs: GatedLogs;
}

const members = ['n1', 'n2', 'n3'];
const params: CreateReplicaParams = {
  tableId: 't1',
  tableName: 'Things',
  schema: { partitionKey: { name: 'id', type: 'S' } },
  partitionId: 'p1',
  hashStart: new Uint8Array(16),
  hashEnd: undefined,
  epoch: 1,
  members: members.map((nodeId) => ({ nodeId, address: `${nodeId}:1`, learner: false })),
};

async function cluster(observe?: Partial<HostObserver>, clock?: () => number): Promise<Node[]> {
  const network = new MemoryNetwork();
  const nodes: Node[] = [];
  for (const [i, nodeId] of members.entries()) {
    const logs = new GatedLogs();
    const host = await StorageHost.open({
      nodeId,
      engine: createMemoryEngine(),
      logs,
      sender: network.sender(nodeId),
      seed: i + 1,
      ...(observe === undefined ? {} : { observe }),
      ...(clock === undefined ? {} : { clock }),
    });
    network.attach(host);
    assert.equal((await host.createReplica(params)).kind, 'ok');
    nodes.push({ host, logs });
  }
  const hosts = nodes.map((node) => node.host);
  assert.ok(await tickUntil(hosts, () => leaderOf(nodes) !== undefined, 300), 'no leader');
  return nodes;
}

function leaderOf(nodes: readonly Node[]): Node | undefined {
  return nodes.find((node) => node.host.replica('p1')?.role === 'leader');
}

function put(host: StorageHost, id: string): Promise<HostAnswer<unknown>> {
  return executeWrite(host, { tableId: 't1', partitionId: 'p1', epoch: 1 }, 'PutItem', {
    TableName: 'Things',
    Item: { id: { S: id }, v: { S: 'x' } },
  });
}

/** Starts a write and reports whether it has been answered, and how. */
function watch(pending: Promise<HostAnswer<unknown>>) {
  const state: { answer: HostAnswer<unknown> | undefined } = { answer: undefined };
  void pending.then((answer) => (state.answer = answer));
  return state;
}

describe('pipelined Ready loop', () => {
  test('a leader answers only once its own log holds the write; followers apply only then', async () => {
    const nodes = await cluster();
    const hosts = nodes.map((node) => node.host);
    const leader = leaderOf(nodes)!;
    const followers = nodes.filter((node) => node !== leader);
    const replica = (node: Node) => node.host.replica('p1')!;
    assert.equal(
      (await put(leader.host, 'warm-up').then(async (a) => (await settle(), a))).kind,
      'ok',
    );
    leader.logs.held = true;
    const write = watch(put(leader.host, 'k1'));
    const index = replica(leader).status().lastIndex;
    // Both followers acknowledged (so the leader counts a quorum and commits), but the leader's
    // own write is not durable: no answer, and no follower may apply the entry.
    assert.ok(
      await tickUntil(hosts, () => replica(leader).status().commit >= index, 50),
      'the leader did not commit from its followers',
    );
    for (let i = 0; i < 20; i++) {
      for (const host of hosts) host.tick();
      await settle();
    }
    assert.equal(write.answer, undefined, 'answered before the leader persisted');
    for (const follower of followers) {
      assert.ok(replica(follower).status().lastIndex >= index, 'entry not replicated');
      assert.ok(replica(follower).applied < index, 'a follower applied a non-durable entry');
    }
    leader.logs.release();
    assert.ok(await tickUntil(hosts, () => write.answer !== undefined, 50), 'never answered');
    assert.equal(write.answer!.kind, 'ok', JSON.stringify(write.answer));
    assert.ok(
      await tickUntil(hosts, () => followers.every((f) => replica(f).applied >= index), 50),
      'followers never applied',
    );
  });

  test('followers acknowledge only durable entries: no commit while their writes are held', async () => {
    const nodes = await cluster();
    const hosts = nodes.map((node) => node.host);
    const leader = leaderOf(nodes)!;
    const followers = nodes.filter((node) => node !== leader);
    for (const follower of followers) follower.logs.held = true;
    const write = watch(put(leader.host, 'k1'));
    const index = leader.host.replica('p1')!.status().lastIndex;
    for (let i = 0; i < 20; i++) {
      for (const host of hosts) host.tick();
      await settle();
    }
    assert.ok(followers.every((f) => f.host.replica('p1')!.status().lastIndex >= index));
    assert.ok(leader.host.replica('p1')!.status().commit < index, 'committed without a quorum');
    assert.equal(write.answer, undefined);
    followers[0]!.logs.release();
    assert.ok(await tickUntil(hosts, () => write.answer !== undefined, 50), 'never answered');
    assert.equal(write.answer!.kind, 'ok', JSON.stringify(write.answer));
    followers[1]!.logs.release();
  });

  test('a leader whose log write fails stops and acknowledges nothing', async () => {
    const nodes = await cluster();
    const hosts = nodes.map((node) => node.host);
    const leader = leaderOf(nodes)!;
    leader.logs.failing = true;
    const write = watch(put(leader.host, 'k1'));
    assert.ok(await tickUntil(hosts, () => write.answer !== undefined, 50), 'never answered');
    assert.equal(write.answer!.kind, 'routing', JSON.stringify(write.answer));
    assert.match(leader.host.replica('p1')!.stopped ?? '', /log write failed/);
    const after = await put(leader.host, 'k2');
    assert.equal(after.kind, 'routing', 'a stopped replica refuses new writes');
  });

  test('commit and apply durations are observed for every write', async () => {
    let now = 0;
    const commits: number[] = [];
    const batches: number[] = [];
    const nodes = await cluster(
      {
        committed: (durationMs) => commits.push(durationMs),
        applyBatch: (_durationMs, entries) => batches.push(entries),
      },
      () => (now += 1),
    );
    const hosts = nodes.map((node) => node.host);
    const leader = leaderOf(nodes)!;
    commits.length = 0;
    batches.length = 0;
    const writes = Array.from({ length: 10 }, (_, i) => watch(put(leader.host, `k${i}`)));
    assert.ok(await tickUntil(hosts, () => writes.every((w) => w.answer !== undefined), 100));
    assert.ok(writes.every((w) => w.answer?.kind === 'ok'));
    assert.equal(commits.length, 10, 'one commit latency per write, on the leader only');
    assert.ok(commits.every((ms) => ms > 0));
    // Every replica applies the ten writes, in batches.
    assert.ok(
      await tickUntil(hosts, () => batches.reduce((sum, n) => sum + n, 0) >= 30, 100),
      `applied entries observed: ${batches.join(',')}`,
    );
  });
});
