// GetItem: one point read with an optional projection. Not replicated: the host decides which
// replica may serve it (leader under lease for ConsistentRead, any replica otherwise).
import {
  consumedCapacity,
  itemSize,
  projectItem,
  readCapacityUnits,
  validateKey,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { ReadView } from '../engine/engine.js';
import {
  outcomeError,
  outcomeOk,
  readItem,
  storageKeyOf,
  stringMember,
  type CommandOutcome,
  type GetResponse,
  type PartitionSpec,
} from './types.js';

/** Evaluates a validated GetItem against `view`. */
export async function evaluateGetItem(
  view: ReadView,
  spec: PartitionSpec,
  request: ValidatedRequest,
): Promise<CommandOutcome<GetResponse>> {
  const keyItem = request.key;
  if (keyItem === undefined) throw new Error('get-item: validated request without Key');
  const valid = validateKey(keyItem, spec.schema);
  if (!valid.ok) return outcomeError(valid.error);
  const key = storageKeyOf(spec, keyItem);
  if (key === undefined) return { kind: 'wrong-partition' };
  const read = await readItem(view, key);
  if (!read.ok) return outcomeError(read.error);
  const consistent = request.data['ConsistentRead'] === true;
  const units = readCapacityUnits(
    read.item === undefined ? 0 : itemSize(read.item),
    consistent ? 'consistent' : 'eventual',
  );
  const capacity = consumedCapacity(
    spec.tableName,
    units,
    'read',
    stringMember(request.data, 'ReturnConsumedCapacity'),
  );
  const item =
    read.item === undefined || request.projection === undefined
      ? read.item
      : projectItem(read.item, request.projection);
  return outcomeOk({
    ...(item === undefined ? {} : { item }),
    ...(capacity === undefined ? {} : { consumedCapacity: capacity }),
  });
}
