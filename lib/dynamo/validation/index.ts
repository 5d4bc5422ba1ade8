// Request validation for every operation, one table and validator per file; this registry maps
// the `X-Amz-Target` operation name to its validator.

import { validateBatchGetItem } from './batch-get-item.js';
import { validateBatchWriteItem } from './batch-write-item.js';
import { validateCreateTable } from './create-table.js';
import { validateDeleteItem } from './delete-item.js';
import { validateDeleteTable } from './delete-table.js';
import { validateDescribeTable } from './describe-table.js';
import { validateGetItem } from './get-item.js';
import { validateListTables } from './list-tables.js';
import { validateListTagsOfResource } from './list-tags-of-resource.js';
import { validateTagResource } from './tag-resource.js';
import { validateDescribeTimeToLive, validateUpdateTimeToLive } from './time-to-live.js';
import { validateUntagResource } from './untag-resource.js';
import { validatePutItem } from './put-item.js';
import { validateQuery } from './query.js';
import { validateScan } from './scan.js';
import { validateTransactGetItems } from './transact-get-items.js';
import { validateTransactWriteItems } from './transact-write-items.js';
import { validateUpdateItem } from './update-item.js';
import { validateUpdateTable } from './update-table.js';
import type { OperationValidator } from './validated.js';

/** Validators by DynamoDB operation name. */
export const operationValidators: Readonly<Record<string, OperationValidator>> = {
  BatchGetItem: validateBatchGetItem,
  BatchWriteItem: validateBatchWriteItem,
  CreateTable: validateCreateTable,
  DeleteItem: validateDeleteItem,
  DeleteTable: validateDeleteTable,
  DescribeTable: validateDescribeTable,
  GetItem: validateGetItem,
  ListTables: validateListTables,
  PutItem: validatePutItem,
  Query: validateQuery,
  Scan: validateScan,
  TransactGetItems: validateTransactGetItems,
  TransactWriteItems: validateTransactWriteItems,
  UpdateItem: validateUpdateItem,
  UpdateTable: validateUpdateTable,
  TagResource: (request) => validateTagResource(request),
  UntagResource: (request) => validateUntagResource(request),
  ListTagsOfResource: (request) => validateListTagsOfResource(request),
  DescribeTimeToLive: validateDescribeTimeToLive,
  UpdateTimeToLive: validateUpdateTimeToLive,
};

export {
  validateBatchGetItem,
  validateBatchWriteItem,
  validateCreateTable,
  validateDeleteItem,
  validateDeleteTable,
  validateDescribeTable,
  validateGetItem,
  validateListTables,
  validatePutItem,
  validateQuery,
  validateScan,
  validateTransactGetItems,
  validateTransactWriteItems,
  validateUpdateItem,
  validateUpdateTable,
  validateTagResource,
  validateUntagResource,
  validateListTagsOfResource,
  validateDescribeTimeToLive,
  validateUpdateTimeToLive,
};
export { defaultCaller, type Caller } from './resource-arn.js';
export { startKeyMessage } from './query.js';
export type { OperationValidator, ValidatedRequest } from './validated.js';
export { checkShapes, checkConstraints, validateAgainstTable } from './engine.js';
export type { OperationTable, Shape, Constraint } from './engine.js';
