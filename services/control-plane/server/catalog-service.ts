// tessera.control.v1.Catalog: the five table operations. DynamoDB errors travel as ErrorDetail
// data in the answer (the router maps `type` to DynamoDB's __type); cluster problems (not the
// leader, no quorum) end the call with a gRPC status.
import { bindService } from '../../../lib/grpc/index.js';
import type { ServiceBinding } from '../../../lib/grpc/index.js';
import { Catalog } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import { describeTable, describeTableByName, listTables } from '../core/catalog.js';
import type { CommandResults } from '../core/commands/index.js';
import type { ControlError } from '../core/errors.js';
import type { TableRecord } from '../core/state.js';
import type { ProposeOutcome } from '../replica/driver.js';
import type { ServerContext } from './context.js';
import { answerOf, requireLeader } from './context.js';
import {
  createTableInputOf,
  errorDetail,
  tableDescriptionToProto,
  updateTableInputOf,
} from './convert.js';

type TableAnswer =
  | { readonly tableDescription: ReturnType<typeof tableDescriptionToProto> }
  | { readonly error: { type: string; message: string } };

/** The Catalog service over a driver. */
export function catalogService(context: ServerContext): ServiceBinding {
  const count = (operation: string, ok: boolean): void =>
    context.onCatalogOperation?.(operation, ok ? 'ok' : 'error');

  /** The table's description after a command, or the command's DynamoDB error. */
  const tableAnswer = (operation: string, outcome: ProposeOutcome<TableRecord>): TableAnswer => {
    const answer = answerOf(context, outcome);
    count(operation, answer.ok);
    if (!answer.ok) return { error: errorDetail(answer.error) };
    const state = context.driver.state;
    const table = state.tables[answer.value.tableId] ?? answer.value;
    return { tableDescription: tableDescriptionToProto(describeTable(state, table, context.arn)) };
  };
  const failed = (operation: string, error: ControlError) => {
    count(operation, false);
    return { error: errorDetail(error) };
  };

  return bindService(Catalog, {
    async createTable(request) {
      requireLeader(context);
      if (request.request === undefined) {
        return failed('CreateTable', {
          code: 'ValidationException',
          message: 'request is missing',
        });
      }
      const input = createTableInputOf(request.request);
      const outcome: ProposeOutcome<CommandResults['create-table']> = await context.driver.propose({
        type: 'create-table',
        tableId: context.newTableId(),
        input,
        nowMs: context.clock(),
      });
      const answer = tableAnswer('CreateTable', outcome);
      return 'error' in answer ? { error: answer.error } : { response: answer };
    },
    async deleteTable(request) {
      requireLeader(context);
      const outcome = await context.driver.propose({
        type: 'delete-table',
        tableName: request.request?.tableName ?? '',
        nowMs: context.clock(),
      });
      const answer = tableAnswer('DeleteTable', outcome);
      return 'error' in answer ? { error: answer.error } : { response: answer };
    },
    async updateTable(request) {
      requireLeader(context);
      if (request.request === undefined) {
        return failed('UpdateTable', {
          code: 'ValidationException',
          message: 'request is missing',
        });
      }
      const outcome = await context.driver.propose({
        type: 'update-table',
        input: updateTableInputOf(request.request),
        nowMs: context.clock(),
      });
      const answer = tableAnswer('UpdateTable', outcome);
      return 'error' in answer ? { error: answer.error } : { response: answer };
    },
    describeTable(request) {
      requireLeader(context);
      const described = describeTableByName(
        context.driver.state,
        request.request?.tableName ?? '',
        context.arn,
      );
      if (!described.ok) return Promise.resolve(failed('DescribeTable', described.error));
      count('DescribeTable', true);
      return Promise.resolve({ response: { table: tableDescriptionToProto(described.value) } });
    },
    listTables(request) {
      requireLeader(context);
      const input = request.request;
      const listed = listTables(context.driver.state, {
        ...(input === undefined || input.exclusiveStartTableName === ''
          ? {}
          : { ExclusiveStartTableName: input.exclusiveStartTableName }),
        ...(input === undefined || input.limit === 0 ? {} : { Limit: input.limit }),
      });
      if (!listed.ok) return Promise.resolve(failed('ListTables', listed.error));
      count('ListTables', true);
      return Promise.resolve({
        response: {
          tableNames: listed.value.TableNames,
          lastEvaluatedTableName: listed.value.LastEvaluatedTableName ?? '',
        },
      });
    },
  });
}
