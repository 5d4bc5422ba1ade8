/**
 * The shape of every command, as a declarative table, checked when a command is decoded from
 * the log. A command that passed here has the field types its `apply` relies on, so no
 * malformed entry can make apply throw — which would stop every replica at the same index.
 * Deeper checks (table names, key schemas, hashes) are apply's own and answer with typed errors.
 */
import type { CommandType } from './index.js';

/** How one field is checked. */
type FieldKind =
  'string' | 'string|null' | 'number' | 'object' | 'array' | { readonly oneOf: readonly string[] };

const moveReasons = ['drain', 'replace', 'repair', 'rebalance'];
const nodeStates = ['joining', 'up', 'suspect', 'down', 'draining', 'decommissioned'];

/** Required fields per command type (every command also has `type` and `nowMs`). */
export const COMMAND_SHAPES: Readonly<Record<CommandType, Readonly<Record<string, FieldKind>>>> = {
  'create-table': { tableId: 'string', input: 'object' },
  'delete-table': { tableName: 'string' },
  'update-table': { input: 'object' },
  'drop-table': { tableId: 'string' },
  'register-node': { nodeId: 'string', address: 'string', zone: 'string|null' },
  'set-node-state': { nodeId: 'string', state: { oneOf: nodeStates } },
  'drain-node': { nodeId: 'string' },
  'cancel-drain': { nodeId: 'string' },
  'replace-node-replicas': { nodeId: 'string' },
  'begin-move': {
    partitionId: 'string',
    fromNodeId: 'string|null',
    toNodeId: 'string',
    reason: { oneOf: moveReasons },
  },
  'advance-move': { moveId: 'string', phase: { oneOf: ['catching-up', 'promoting', 'removing'] } },
  'finish-move': { moveId: 'string' },
  'abort-move': { moveId: 'string', reason: 'string' },
  'split-partition': {
    partitionId: 'string',
    expectedEpoch: 'number',
    splitHash: 'string',
    newPartitionId: 'string',
    reason: { oneOf: ['size', 'request-rate', 'recovered'] },
    leftFraction: 'number',
  },
  'mark-partition-leader': { partitionId: 'string', nodeId: 'string', term: 'number' },
  'record-partition-stats': { reports: 'array' },
};

function fieldMatches(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === 'string' && kind.oneOf.includes(value);
  }
}

/** The first field of `command` that does not match its shape, described; or null. */
export function commandShapeProblem(
  type: CommandType,
  command: Record<string, unknown>,
): string | null {
  for (const [field, kind] of Object.entries(COMMAND_SHAPES[type])) {
    if (!fieldMatches(command[field], kind)) {
      const expected = typeof kind === 'string' ? kind : kind.oneOf.join('|');
      return `${type}.${field} must be ${expected}`;
    }
  }
  if (type === 'record-partition-stats') {
    const reports = command.reports as unknown[];
    const bad = reports.findIndex(
      (r) =>
        typeof r !== 'object' ||
        r === null ||
        typeof (r as Record<string, unknown>).partitionId !== 'string' ||
        !['epoch', 'sizeBytes', 'itemCount'].every((f) =>
          fieldMatches((r as Record<string, unknown>)[f], 'number'),
        ),
    );
    if (bad !== -1) return `record-partition-stats.reports[${bad}] is malformed`;
  }
  return null;
}
