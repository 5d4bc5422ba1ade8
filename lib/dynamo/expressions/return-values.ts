// What UpdateItem, PutItem and DeleteItem return for each ReturnValues choice. For
// UPDATED_OLD / UPDATED_NEW DynamoDB returns only the attributes the update touched, projected
// along the paths the update named.

import type { Item } from '../attribute-value.js';
import type { UpdateExpression } from './ast.js';
import { projectItem } from './projection.js';

/** The ReturnValues choices. */
export type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

/**
 * The Attributes to return, or undefined when DynamoDB omits the field (NONE, or nothing to
 * return because the item did not exist or no attribute was touched).
 */
export function returnedAttributes(
  returnValues: ReturnValues | undefined,
  oldItem: Item | undefined,
  newItem: Item | undefined,
  update?: UpdateExpression,
): Item | undefined {
  let result: Item | undefined;
  switch (returnValues ?? 'NONE') {
    case 'NONE':
      return undefined;
    case 'ALL_OLD':
      result = oldItem;
      break;
    case 'ALL_NEW':
      result = newItem;
      break;
    case 'UPDATED_OLD':
    case 'UPDATED_NEW': {
      const source = returnValues === 'UPDATED_OLD' ? oldItem : newItem;
      const paths = (update?.actions ?? []).map((action) => action.path);
      result = source === undefined ? undefined : projectItem(source, paths);
      break;
    }
  }
  return result === undefined || result.size === 0 ? undefined : result;
}
