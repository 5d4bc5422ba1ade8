// The operation registry: DynamoDB operation name (the part of `X-Amz-Target` after the dot)
// to its implementation, and the DynamoDB operations Tessera knows but does not implement
// yet, which get an error naming them instead of a generic "unknown operation".

import { DynamoError, fail, type Result } from '../../../lib/dynamo/index.js';
import { batchGetItem } from './batch-get-item.js';
import { batchWriteItem } from './batch-write-item.js';
import { createTable } from './create-table.js';
import { deleteItem } from './delete-item.js';
import { deleteTable } from './delete-table.js';
import { describeEndpoints } from './describe-endpoints.js';
import { describeLimits } from './describe-limits.js';
import { describeTable } from './describe-table.js';
import { getItem } from './get-item.js';
import { listTables } from './list-tables.js';
import { putItem } from './put-item.js';
import { query } from './query.js';
import { scan } from './scan.js';
import type { Operation, OperationContext, ResponseBody } from './shared.js';
import { updateItem } from './update-item.js';
import { updateTable } from './update-table.js';

export type { Operation, OperationContext, ResponseBody } from './shared.js';

/** Every implemented operation by DynamoDB name. */
export const operations: Readonly<Record<string, Operation>> = {
  BatchGetItem: batchGetItem,
  BatchWriteItem: batchWriteItem,
  CreateTable: createTable,
  DeleteItem: deleteItem,
  DeleteTable: deleteTable,
  DescribeEndpoints: describeEndpoints,
  DescribeLimits: describeLimits,
  DescribeTable: describeTable,
  GetItem: getItem,
  ListTables: listTables,
  PutItem: putItem,
  Query: query,
  Scan: scan,
  UpdateItem: updateItem,
  UpdateTable: updateTable,
};

/** DynamoDB (API version 20120810) operations Tessera does not implement yet. */
export const notImplementedOperations: ReadonlySet<string> = new Set([
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
  'UpdateTimeToLive',
  'DescribeTimeToLive',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'CreateBackup',
  'DeleteBackup',
  'DescribeBackup',
  'ListBackups',
  'RestoreTableFromBackup',
  'RestoreTableToPointInTime',
  'DescribeContinuousBackups',
  'UpdateContinuousBackups',
  'CreateGlobalTable',
  'DescribeGlobalTable',
  'DescribeGlobalTableSettings',
  'ListGlobalTables',
  'UpdateGlobalTable',
  'UpdateGlobalTableSettings',
  'DescribeContributorInsights',
  'ListContributorInsights',
  'UpdateContributorInsights',
  'DescribeKinesisStreamingDestination',
  'EnableKinesisStreamingDestination',
  'DisableKinesisStreamingDestination',
  'UpdateKinesisStreamingDestination',
  'ExportTableToPointInTime',
  'DescribeExport',
  'ListExports',
  'ImportTable',
  'DescribeImport',
  'ListImports',
  'DescribeTableReplicaAutoScaling',
  'UpdateTableReplicaAutoScaling',
  'GetResourcePolicy',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'UpdateTableReplica',
]);

/** DynamoDB Streams' operations (target prefix `DynamoDBStreams_20120810`), not implemented. */
export const streamsOperations: ReadonlySet<string> = new Set([
  'ListStreams',
  'DescribeStream',
  'GetShardIterator',
  'GetRecords',
]);

/**
 * The answer to a DynamoDB operation Tessera does not implement: 400 UnknownOperationException
 * (what DynamoDB answers for an operation it does not serve) with a message naming the
 * operation, so the caller sees at once that the operation is missing rather than broken.
 */
export function operationNotImplemented(name: string): DynamoError {
  return new DynamoError(
    'UnknownOperationException',
    `Tessera does not implement the DynamoDB operation ${name} yet`,
  );
}

/** Runs operation `name` (which must be implemented) on a parsed request. */
export function runOperation(
  name: string,
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const operation = operations[name];
  if (operation === undefined) return Promise.resolve(fail(operationNotImplemented(name)));
  return operation(request, context);
}
