// The result of validating one request: the normalized JSON plus everything already parsed and
// converted, so the router never parses an expression or converts a value twice.

import type { Item } from '../attribute-value.js';
import type { Result } from '../errors.js';
import type { Condition, DocumentPath, UpdateExpression } from '../expressions/ast.js';
import type { KeyConditions } from '../expressions/key-condition.js';
import type { RequestData } from './common.js';

/** A validated request. Fields are present when the operation has them. */
export interface ValidatedRequest {
  /** The request after the shape stage: unknown members dropped, values normalized. */
  readonly data: RequestData;
  readonly item?: Item;
  readonly key?: Item;
  readonly exclusiveStartKey?: Item;
  /** ConditionExpression, or Expected converted. */
  readonly condition?: Condition;
  /** UpdateExpression, or AttributeUpdates converted. */
  readonly update?: UpdateExpression;
  /** KeyConditionExpression, or KeyConditions converted (before the schema checks). */
  readonly keyConditions?: KeyConditions;
  /** FilterExpression, or QueryFilter / ScanFilter converted. */
  readonly filter?: Condition;
  /** ProjectionExpression, or AttributesToGet converted. */
  readonly projection?: readonly DocumentPath[];
}

/** A validator for one operation's request body (parsed JSON). */
export type OperationValidator = (request: unknown) => Result<ValidatedRequest>;
