// The interaction test environment: a set of nodes, each with its MemoryStorage, a
// mailbox of undelivered messages, and commands that drive them step by step. Modelled
// on etcd's rafttest/interaction_env*.go. Every command returns the text it printed.

import type { UnsafeTestingKnobs } from '../config.js';
import { MemoryStorage } from '../memory-storage.js';
import { Xoshiro128 } from '../random.js';
import { RawNode } from '../raw-node.js';
import type { ConfChange, ConfChangeSingle, ConfState, RaftMessage, Result } from '../types.js';
import { decodeConfChange, emptyConfState } from '../types.js';
import { parseCommand } from './datadriven.js';
import { formatConfState, formatEntry, formatMessage, formatReady } from './format.js';

interface EnvNode {
  id: string;
  storage: MemoryStorage;
  raw: RawNode | null;
  applied: number;
  confState: ConfState;
  options: Map<string, string>;
}

const encoder = new TextEncoder();

/** Interprets interaction-test commands. */
export class InteractionEnv {
  private readonly nodes = new Map<string, EnvNode>();
  /** Messages sent but not yet delivered, in send order. */
  private mailbox: RaftMessage[] = [];
  /** Directed links that drop messages (`from>to`). */
  private readonly cut = new Set<string>();
  private seed = 1;
  /** Every entry applied anywhere, by index: a mismatch is a State Machine Safety violation. */
  private readonly appliedEntries = new Map<number, { text: string; node: string }>();

  /** Runs one command line and returns its output. */
  run(command: string): string {
    const { name, positional, options } = parseCommand(command);
    const lines: string[] = [];
    switch (name) {
      case 'add-nodes':
        this.addNodes(Number(positional[0]), options);
        break;
      case 'campaign':
        this.node(positional[0]).campaign();
        break;
      case 'tick':
        this.tick(
          this.ids(positional),
          Number(options.get('n') ?? '1'),
          options.get('settle') === 'true',
        );
        break;
      case 'propose':
        lines.push(
          resultText(this.node(positional[0]).propose(encoder.encode(positional[1] ?? ''))),
        );
        break;
      case 'propose-conf-change':
        lines.push(
          resultText(
            this.node(positional[0]).proposeConfChange(
              parseConfChange(positional.slice(1), options),
            ),
          ),
        );
        break;
      case 'transfer-leadership':
        lines.push(
          resultText(this.node(options.get('from')).transferLeadership(options.get('to') ?? '')),
        );
        break;
      case 'read-index':
        lines.push(
          resultText(this.node(positional[0]).readIndex(encoder.encode(positional[1] ?? ''))),
        );
        break;
      case 'process-ready':
        for (const id of this.ids(positional)) lines.push(...this.processReady(id));
        break;
      case 'deliver-msgs':
        for (const id of this.ids(positional))
          lines.push(...this.deliver(id, options.get('drop') === 'true'));
        break;
      case 'stabilize':
        lines.push(...this.stabilize(this.ids(positional)));
        break;
      default:
        lines.push(...this.runTopologyOrInspection(name, positional));
    }
    return lines.join('\n');
  }

  /** Commands that change the cluster's topology or only look at it. */
  private runTopologyOrInspection(name: string, positional: readonly string[]): string[] {
    const lines: string[] = [];
    switch (name) {
      case 'isolate':
        this.isolate(positional[0] ?? '');
        break;
      case 'partition':
        this.partition(positional.map((side) => side.split(',')));
        break;
      case 'cut':
        this.cut.add(`${positional[0]}>${positional[1]}`);
        break;
      case 'heal':
        this.cut.clear();
        break;
      case 'crash':
        this.crash(positional[0] ?? '');
        break;
      case 'restart':
        this.restart(positional[0] ?? '');
        break;
      case 'compact':
        lines.push(this.compact(positional[0] ?? '', Number(positional[1])));
        break;
      case 'status':
        for (const id of this.ids(positional)) lines.push(this.status(id));
        break;
      case 'raft-log':
        lines.push(...this.raftLog(positional[0] ?? ''));
        break;
      default:
        throw new Error(`interaction: unknown command ${name}`);
    }
    return lines;
  }

  private addNodes(count: number, options: Map<string, string>): void {
    const voters = (options.get('voters') ?? '').split(',').filter((id) => id !== '');
    const learners = (options.get('learners') ?? '').split(',').filter((id) => id !== '');
    const first = this.nodes.size + 1;
    for (let i = 0; i < count; i++) {
      const id = String(first + i);
      const founding = voters.includes(id) || learners.includes(id);
      const confState: ConfState = { ...emptyConfState(), voters, learners };
      const storage = founding ? MemoryStorage.bootstrap(confState) : new MemoryStorage();
      const node: EnvNode = { id, storage, raw: null, applied: 0, confState, options };
      this.nodes.set(id, node);
      this.boot(node);
    }
  }

  private boot(node: EnvNode): void {
    const snapshot = node.storage.snapshot();
    if (typeof snapshot === 'string') throw new Error('interaction: snapshot unreadable');
    node.applied = snapshot.metadata.index;
    node.confState = snapshot.metadata.confState;
    const options = node.options;
    const knobs: UnsafeTestingKnobs = {};
    const unsafe = options.get('unsafe');
    if (unsafe !== undefined) knobs[unsafe as keyof UnsafeTestingKnobs] = true;
    const created = RawNode.create({
      id: node.id,
      storage: node.storage,
      random: new Xoshiro128(this.seed++),
      electionTicks: Number(options.get('election') ?? '10'),
      heartbeatTicks: Number(options.get('heartbeat') ?? '1'),
      applied: node.applied,
      preVote: options.get('prevote') !== 'false',
      checkQuorum: options.get('checkquorum') !== 'false',
      leaseReads: options.get('lease') !== 'false' && options.get('checkquorum') !== 'false',
      maxInflightMessages: Number(options.get('inflight') ?? '256'),
      maxSizePerMessageBytes: Number(options.get('msgsize') ?? String(1024 * 1024)),
      unsafeTestingKnobs: knobs,
    });
    if (!created.ok) throw new Error(`interaction: ${created.error}`);
    node.raw = created.value;
  }

  private node(id: string | undefined): RawNode {
    const raw = this.nodes.get(id ?? '')?.raw;
    if (raw == null) throw new Error(`interaction: node ${id} is not running`);
    return raw;
  }

  private ids(positional: readonly string[]): string[] {
    return positional.length > 0 ? [...positional] : [...this.nodes.keys()];
  }

  private processReady(id: string): string[] {
    const node = this.nodes.get(id);
    const raw = node?.raw;
    if (node === undefined || raw == null || !raw.hasReady()) return [];
    const ready = raw.ready();
    const lines = formatReady(id, ready);
    if (ready.snapshot !== null) {
      node.storage.applySnapshot(ready.snapshot);
      node.applied = ready.snapshot.metadata.index;
      node.confState = ready.snapshot.metadata.confState;
    }
    node.storage.append(ready.entries);
    if (ready.hardState !== null) node.storage.setHardState(ready.hardState);
    this.mailbox.push(...ready.messages);
    for (const entry of ready.committedEntries) {
      node.applied = entry.index;
      const text = formatEntry(entry);
      const earlier = this.appliedEntries.get(entry.index);
      if (earlier === undefined) this.appliedEntries.set(entry.index, { text, node: id });
      else if (earlier.text !== text) {
        lines.push(
          `  SAFETY VIOLATION: ${earlier.node} applied ${earlier.text}, ${id} applies ${text}`,
        );
      }
      if (entry.type !== 'confChange') continue;
      const result = raw.applyConfChange(decodeConfChange(entry.data));
      if (result.ok) {
        node.confState = result.value;
        lines.push(`  applied conf: ${formatConfState(result.value)}`);
      } else {
        lines.push(`  conf change ignored: ${JSON.stringify(result.error)}`);
      }
    }
    raw.advance();
    return lines;
  }

  private deliver(id: string, drop: boolean): string[] {
    const lines: string[] = [];
    const remaining: RaftMessage[] = [];
    const deliverable: RaftMessage[] = [];
    for (const message of this.mailbox) {
      if (message.to === id) deliverable.push(message);
      else remaining.push(message);
    }
    this.mailbox = remaining;
    for (const message of deliverable) {
      const raw = this.nodes.get(id)?.raw;
      const blocked = this.cut.has(`${message.from}>${message.to}`) || raw == null;
      if (drop || blocked) {
        lines.push(`dropped: ${formatMessage(message)}`);
        continue;
      }
      lines.push(formatMessage(message));
      raw.step(message);
    }
    return lines;
  }

  /** Processes Readies and delivers messages until nothing moves (bounded). */
  private stabilize(ids: readonly string[]): string[] {
    const lines: string[] = [];
    for (let round = 0; round < 100; round++) {
      let moved = false;
      for (const id of ids) {
        const ready = this.processReady(id);
        if (ready.length > 0) moved = true;
        lines.push(...ready);
      }
      for (const id of ids) {
        const delivered = this.deliver(id, false);
        if (delivered.length > 0) {
          moved = true;
          lines.push(`> ${id} receiving messages`, ...delivered.map((line) => `  ${line}`));
        }
      }
      if (!moved) return lines;
    }
    throw new Error('interaction: stabilize did not converge in 100 rounds');
  }

  /**
   * Ticks the nodes `count` times. With `settle`, all nodes are stabilized silently after
   * every tick, so time passes with a working network instead of all at once.
   */
  private tick(ids: readonly string[], count: number, settle: boolean): void {
    for (let i = 0; i < count; i++) {
      for (const id of ids) this.node(id).tick();
      if (settle) this.stabilize([...this.nodes.keys()]);
    }
  }

  private isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  /** Cuts every link between nodes on different sides (`partition 1,2 3`). */
  private partition(sides: string[][]): void {
    for (const side of sides) {
      for (const other of sides) {
        if (other === side) continue;
        for (const from of side) for (const to of other) this.cut.add(`${from}>${to}`);
      }
    }
  }

  private crash(id: string): void {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`interaction: no node ${id}`);
    node.raw = null;
    this.mailbox = this.mailbox.filter((message) => message.to !== id);
  }

  private restart(id: string): void {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`interaction: no node ${id}`);
    this.boot(node);
  }

  private compact(id: string, index: number): string {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`interaction: no node ${id}`);
    const created = node.storage.createSnapshot(
      index,
      node.confState,
      encoder.encode(`state@${index}`),
    );
    if (typeof created === 'string') return `snapshot failed: ${created}`;
    node.storage.compact(index);
    return `snapshot ${index}/${created.metadata.term}; first index now ${node.storage.firstIndex()}`;
  }

  private status(id: string): string {
    const node = this.nodes.get(id);
    if (node?.raw == null) return `${id}: down`;
    const s = node.raw.status();
    const progress = Object.entries(s.progress)
      .map(
        ([peer, p]) =>
          `${peer}:${p.state}${p.isLearner ? '(learner)' : ''} match=${p.match} next=${p.next}`,
      )
      .join(', ');
    return (
      `${id}: ${s.role} term=${s.term} lead=${s.leader || '-'} commit=${s.commit} applied=${s.applied}` +
      ` lease=${s.leaseValid} ${formatConfState(s.confState)}${progress === '' ? '' : `\n  progress: ${progress}`}`
    );
  }

  private raftLog(id: string): string[] {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`interaction: no node ${id}`);
    const storage = node.storage;
    const entries = storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Infinity);
    if (typeof entries === 'string') return [`log unreadable: ${entries}`];
    if (entries.length === 0) return ['log is empty'];
    return entries.map(formatEntry);
  }
}

function resultText<T>(result: Result<T>): string {
  if (result.ok) return result.value === null ? 'ok' : `ok ${JSON.stringify(result.value)}`;
  return `error ${JSON.stringify(result.error)}`;
}

/** `v4 l5 r2` (add voter 4, add learner 5, remove 2); `transition=explicit` for a manual leave. */
function parseConfChange(tokens: readonly string[], options: Map<string, string>): ConfChange {
  const changes: ConfChangeSingle[] = tokens.map((token) => {
    const kind = token[0];
    const nodeId = token.slice(1);
    if (kind === 'v') return { type: 'addVoter', nodeId };
    if (kind === 'l') return { type: 'addLearner', nodeId };
    if (kind === 'r') return { type: 'removeNode', nodeId };
    throw new Error(`interaction: bad conf change ${token}`);
  });
  return { changes, transition: options.get('transition') === 'explicit' ? 'explicit' : 'auto' };
}
