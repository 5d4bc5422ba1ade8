/**
 * Every command of the control plane's replicated log, its dispatcher and its wire form.
 *
 * `applyCommand` is the state machine the Raft library drives: it is called with the committed
 * entries in log order on every replica, and it is a pure function of (state, command, context).
 * Commands travel as UTF-8 JSON with a format version, so a log written today stays readable.
 */
import { fail, ok } from '../errors.js';
import type { Result } from '../errors.js';
import type {
  ControlState,
  MoveRecord,
  NodeRecord,
  PartitionRecord,
  TableRecord,
} from '../state.js';
import { canonicalJson } from '../state.js';
import type { AbortMoveCommand } from './abort-move.js';
import { applyAbortMove } from './abort-move.js';
import type { AdvanceMoveCommand } from './advance-move.js';
import { applyAdvanceMove } from './advance-move.js';
import type { BeginMoveCommand } from './begin-move.js';
import { applyBeginMove } from './begin-move.js';
import type { CreateTableCommand } from './create-table.js';
import { applyCreateTable } from './create-table.js';
import type { DeleteTableCommand } from './delete-table.js';
import { applyDeleteTable } from './delete-table.js';
import type { CancelDrainCommand, DrainNodeCommand } from './drain-node.js';
import { applyCancelDrain, applyDrainNode } from './drain-node.js';
import type { DropTableCommand } from './drop-table.js';
import { applyDropTable } from './drop-table.js';
import type { FinishMoveCommand } from './finish-move.js';
import { applyFinishMove } from './finish-move.js';
import type { MarkPartitionLeaderCommand } from './mark-partition-leader.js';
import { applyMarkPartitionLeader } from './mark-partition-leader.js';
import type { RecordPartitionStatsCommand } from './record-partition-stats.js';
import { applyRecordPartitionStats } from './record-partition-stats.js';
import type { RegisterNodeCommand } from './register-node.js';
import { applyRegisterNode } from './register-node.js';
import type { ReplaceNodeReplicasCommand } from './replace-node-replicas.js';
import { applyReplaceNodeReplicas } from './replace-node-replicas.js';
import type { SetNodeStateCommand } from './set-node-state.js';
import { applySetNodeState } from './set-node-state.js';
import type { SplitPartitionCommand, SplitResult } from './split-partition.js';
import { applySplitPartition } from './split-partition.js';
import { commandShapeProblem } from './shapes.js';
import type { ApplyContext, ApplyOutcome } from './types.js';
import type { UpdateTableCommand } from './update-table.js';
import { applyUpdateTable } from './update-table.js';

export type { ApplyContext, ApplyOutcome } from './types.js';

/** Every command of the log. */
export type Command =
  | CreateTableCommand
  | DeleteTableCommand
  | UpdateTableCommand
  | DropTableCommand
  | RegisterNodeCommand
  | SetNodeStateCommand
  | DrainNodeCommand
  | CancelDrainCommand
  | ReplaceNodeReplicasCommand
  | BeginMoveCommand
  | AdvanceMoveCommand
  | FinishMoveCommand
  | AbortMoveCommand
  | SplitPartitionCommand
  | MarkPartitionLeaderCommand
  | RecordPartitionStatsCommand;

/** The `type` of every command. */
export type CommandType = Command['type'];

const commandTypes: ReadonlySet<string> = new Set<CommandType>([
  'create-table',
  'delete-table',
  'update-table',
  'drop-table',
  'register-node',
  'set-node-state',
  'drain-node',
  'cancel-drain',
  'replace-node-replicas',
  'begin-move',
  'advance-move',
  'finish-move',
  'abort-move',
  'split-partition',
  'mark-partition-leader',
  'record-partition-stats',
]);

/** The result value of each command type. */
export interface CommandResults {
  'create-table': TableRecord;
  'delete-table': TableRecord;
  'update-table': TableRecord;
  'drop-table': string[];
  'register-node': NodeRecord;
  'set-node-state': NodeRecord;
  'drain-node': NodeRecord;
  'cancel-drain': NodeRecord;
  'replace-node-replicas': NodeRecord;
  'begin-move': MoveRecord;
  'advance-move': MoveRecord;
  'finish-move': PartitionRecord;
  'abort-move': MoveRecord;
  'split-partition': SplitResult;
  'mark-partition-leader': PartitionRecord;
  'record-partition-stats': number;
}

/**
 * Applies one committed command. The result type follows the command type, so the server can
 * answer the client that proposed the command with a typed value.
 */
export function applyCommand<C extends Command>(
  state: ControlState,
  command: C,
  context: ApplyContext,
): ApplyOutcome<CommandResults[C['type']]> {
  return dispatch(state, command, context) as ApplyOutcome<CommandResults[C['type']]>;
}

function dispatch(
  state: ControlState,
  command: Command,
  context: ApplyContext,
): ApplyOutcome<CommandResults[CommandType]> {
  switch (command.type) {
    case 'create-table':
      return applyCreateTable(state, command, context);
    case 'delete-table':
      return applyDeleteTable(state, command, context);
    case 'update-table':
      return applyUpdateTable(state, command, context);
    case 'drop-table':
      return applyDropTable(state, command, context);
    case 'register-node':
      return applyRegisterNode(state, command, context);
    case 'set-node-state':
      return applySetNodeState(state, command, context);
    case 'drain-node':
      return applyDrainNode(state, command, context);
    case 'cancel-drain':
      return applyCancelDrain(state, command, context);
    case 'replace-node-replicas':
      return applyReplaceNodeReplicas(state, command, context);
    case 'begin-move':
      return applyBeginMove(state, command, context);
    case 'advance-move':
      return applyAdvanceMove(state, command, context);
    case 'finish-move':
      return applyFinishMove(state, command, context);
    case 'abort-move':
      return applyAbortMove(state, command, context);
    case 'split-partition':
      return applySplitPartition(state, command, context);
    case 'mark-partition-leader':
      return applyMarkPartitionLeader(state, command, context);
    case 'record-partition-stats':
      return applyRecordPartitionStats(state, command, context);
  }
}

/** Wire format version of encoded commands. */
export const COMMAND_FORMAT_VERSION = 1;

/** Largest encoded command accepted (a CreateTable with 50 tags is far below this). */
export const COMMAND_BYTES_MAX = 1024 * 1024;

/** Encodes a command for the Raft log. */
export function encodeCommand(command: Command): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ v: COMMAND_FORMAT_VERSION, command }));
}

/** Decodes a command written by {@link encodeCommand}, checking its envelope. */
export function decodeCommand(bytes: Uint8Array): Result<Command> {
  if (bytes.length > COMMAND_BYTES_MAX) {
    return fail(
      'MalformedCommand',
      `command of ${bytes.length} bytes exceeds ${COMMAND_BYTES_MAX}`,
    );
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error: unknown) {
    return fail('MalformedCommand', `command is not JSON: ${String(error)}`);
  }
  if (typeof envelope !== 'object' || envelope === null)
    return fail('MalformedCommand', 'not an object');
  const { v, command } = envelope as { v?: unknown; command?: unknown };
  if (v !== COMMAND_FORMAT_VERSION)
    return fail('MalformedCommand', `unknown command format ${String(v)}`);
  if (typeof command !== 'object' || command === null)
    return fail('MalformedCommand', 'no command');
  const { type, nowMs } = command as { type?: unknown; nowMs?: unknown };
  if (typeof type !== 'string' || !commandTypes.has(type)) {
    return fail('MalformedCommand', `unknown command type ${String(type)}`);
  }
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
    return fail('MalformedCommand', 'command has no nowMs');
  }
  const problem = commandShapeProblem(type as CommandType, command as Record<string, unknown>);
  if (problem !== null) return fail('MalformedCommand', problem);
  return ok(command as Command);
}
