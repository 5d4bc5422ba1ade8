// Clients issuing read, write and compare-and-set against the replicated key-value
// store, recording every operation for the linearizability checker. A client talks to
// the node it believes leads, follows `notLeader` hints, and never retries an operation
// that may have reached the log: once proposed, it waits for the answer or times out,
// and a timed-out write counts as "may or may not have happened".

import type { KvInput, KvOperation, KvOutput } from '../../linearizability/index.js';
import type { Xoshiro128 } from '../random.js';
import type { NodeId, ReadState } from '../types.js';
import type { KvCommand } from './kv-state-machine.js';
import { encodeCommand } from './kv-state-machine.js';
import type { SafetyOracle } from './oracle.js';
import type { SimNode } from './sim-node.js';

/** What the workload needs from the simulation. */
export interface WorkloadHost {
  now(): number;
  random: Xoshiro128;
  oracle: SafetyOracle;
  node(id: NodeId): SimNode | undefined;
  memberIds(): NodeId[];
  /** Wakes the client after `delay` time units. */
  wake(clientId: number, delay: number): void;
  /** Fires `timeout` for the request after `delay`. */
  scheduleTimeout(clientId: number, requestId: number, delay: number): void;
  /** A leader accepted a proposal (the simulation may crash it before it spreads). */
  proposalAccepted(node: NodeId): void;
}

interface PendingOperation {
  requestId: number;
  input: KvInput;
  callTime: number;
  /** How the operation is served. */
  path: 'log' | 'readIndex';
  /** Where it was accepted (null until then). */
  node: NodeId | null;
  /** For log operations: the index the proposal got. */
  index: number;
  /** For reads: the global commit index when the read was accepted. */
  commitAtRequest: number;
  attempts: number;
}

interface Client {
  id: number;
  nextRequestId: number;
  target: NodeId;
  pending: PendingOperation | null;
}

/** Workload settings in simulator time units. */
export interface WorkloadOptions {
  clients: number;
  keys: readonly string[];
  thinkTimeMax: number;
  retryDelay: number;
  operationTimeout: number;
  maxAttempts: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The clients and the history they produce. */
export class Workload {
  readonly history: KvOperation[] = [];
  private readonly clients: Client[] = [];
  private readonly host: WorkloadHost;
  private readonly options: WorkloadOptions;
  private stopped = false;
  /** Operations completed (with a known answer). */
  completed = 0;
  leaseReads = 0;
  readIndexReads = 0;

  constructor(host: WorkloadHost, options: WorkloadOptions) {
    this.host = host;
    this.options = options;
    for (let id = 0; id < options.clients; id++) {
      this.clients.push({
        id,
        nextRequestId: 1,
        target: host.random.pick(host.memberIds()),
        pending: null,
      });
      host.wake(id, host.random.between(0, options.thinkTimeMax));
    }
  }

  /** Stops issuing new operations (outstanding ones still complete or time out). */
  stop(): void {
    this.stopped = true;
  }

  /** A client's wake-up: start a new operation or retry submitting the current one. */
  onWake(clientId: number): void {
    const client = this.clients[clientId] as Client;
    if (client.pending === null) {
      if (this.stopped) return;
      client.pending = this.newOperation(client);
    }
    if (client.pending.node === null) this.submit(client, client.pending);
  }

  private newOperation(client: Client): PendingOperation {
    const random = this.host.random;
    const key = random.pick(this.options.keys);
    const value = `${client.id}.${client.nextRequestId}`;
    const choice = random.nextInt(10);
    let input: KvInput;
    let path: 'log' | 'readIndex' = 'log';
    if (choice < 4) {
      input = { kind: 'read', key };
      path = choice < 3 ? 'readIndex' : 'log';
    } else if (choice < 7) {
      input = { kind: 'write', key, value };
    } else {
      input = { kind: 'cas', key, expected: this.guessValue(key), value };
    }
    return {
      requestId: client.nextRequestId++,
      input,
      callTime: this.host.now(),
      path,
      node: null,
      index: 0,
      commitAtRequest: 0,
      attempts: 0,
    };
  }

  /** A plausible current value, so compare-and-set sometimes succeeds. */
  private guessValue(key: string): string | null {
    for (let i = this.history.length - 1; i >= 0 && i >= this.history.length - 20; i--) {
      const operation = this.history[i] as KvOperation;
      if (operation.input.key !== key) continue;
      if (operation.output?.kind === 'read') return operation.output.value;
      if (operation.input.kind === 'write') return operation.input.value;
    }
    return null;
  }

  private submit(client: Client, pending: PendingOperation): void {
    pending.attempts++;
    const node = this.host.node(client.target);
    const raw = node?.raw ?? null;
    let hint = '';
    if (raw !== null) {
      if (pending.path === 'readIndex') {
        const context = encoder.encode(`${client.id}:${pending.requestId}`);
        const result = raw.readIndex(context);
        if (result.ok) {
          this.accepted(client, pending, 0);
          return;
        }
        hint = 'leaderHint' in result.error ? result.error.leaderHint : '';
      } else {
        const command: KvCommand = {
          clientId: client.id,
          requestId: pending.requestId,
          input: pending.input,
        };
        const result = raw.propose(encodeCommand(command));
        if (result.ok) {
          this.accepted(client, pending, result.value.lastIndex);
          this.host.proposalAccepted(client.target);
          return;
        }
        hint = 'leaderHint' in result.error ? result.error.leaderHint : '';
      }
    }
    // Refused or unreachable: the operation never reached a log, so it may be retried.
    const members = this.host.memberIds();
    client.target = hint !== '' && hint !== client.target ? hint : this.host.random.pick(members);
    if (pending.attempts >= this.options.maxAttempts) {
      client.pending = null;
      this.host.wake(client.id, this.host.random.between(1, this.options.thinkTimeMax));
      return;
    }
    this.host.wake(client.id, this.options.retryDelay);
  }

  private accepted(client: Client, pending: PendingOperation, index: number): void {
    pending.node = client.target;
    pending.index = index;
    pending.commitAtRequest = this.host.oracle.globalCommit;
    this.host.scheduleTimeout(client.id, pending.requestId, this.options.operationTimeout);
  }

  /** A command was applied on `node`. */
  onApplied(
    node: SimNode,
    index: number,
    command: KvCommand | null,
    output: KvOutput | null,
  ): void {
    for (const client of this.clients) {
      const pending = client.pending;
      if (pending === null || pending.path !== 'log' || pending.node !== node.id) continue;
      if (
        command !== null &&
        command.clientId === client.id &&
        command.requestId === pending.requestId
      ) {
        this.complete(client, pending, output ?? undefined);
      } else if (index === pending.index) {
        // Another entry took our index on the node that accepted us: ours was overwritten
        // before committing, so it never happens. Forget it.
        client.pending = null;
        this.host.wake(client.id, this.options.retryDelay);
      }
    }
  }

  /** A read point is ready on `node`. */
  onReadReady(node: SimNode, readState: ReadState): void {
    const [clientText, requestText] = decoder.decode(readState.context).split(':');
    const client = this.clients[Number(clientText)];
    const pending = client?.pending;
    if (client === undefined || pending == null || pending.requestId !== Number(requestText))
      return;
    if (pending.node !== node.id || pending.input.kind !== 'read') return;
    this.host.oracle.onReadServed(
      node.id,
      readState.viaLease,
      readState.index,
      pending.commitAtRequest,
    );
    if (readState.viaLease) this.leaseReads++;
    else this.readIndexReads++;
    this.complete(client, pending, { kind: 'read', value: node.kv.read(pending.input.key) });
  }

  /** The answer did not come in time. */
  onTimeout(clientId: number, requestId: number): void {
    const client = this.clients[clientId] as Client;
    const pending = client.pending;
    if (pending === null || pending.requestId !== requestId) return;
    if (pending.input.kind !== 'read') {
      // It may still commit later: it may take effect at any time after its call.
      this.history.push({
        clientId,
        input: pending.input,
        output: undefined,
        callTime: pending.callTime,
        returnTime: Infinity,
      });
    }
    client.pending = null;
    this.host.wake(clientId, this.options.retryDelay);
  }

  private complete(client: Client, pending: PendingOperation, output: KvOutput | undefined): void {
    this.history.push({
      clientId: client.id,
      input: pending.input,
      output,
      callTime: pending.callTime,
      returnTime: this.host.now(),
    });
    this.completed++;
    client.pending = null;
    this.host.wake(client.id, this.host.random.between(0, this.options.thinkTimeMax));
  }
}
