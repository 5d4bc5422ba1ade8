// Conversions between the router's backend outcomes and the control plane's and storage
// nodes' messages. Requests are DynamoDB's JSON (already validated by the router) turned into
// tessera.v1 messages; answers come back as DynamoDB's JSON and then the router's Item type.
// Pure: no I/O.

import type { DescMessage } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import {
  DynamoError,
  conditionalCheckFailed,
  itemFromWire,
  type DynamoErrorName,
  type Item,
} from '../../../lib/dynamo/index.js';
import {
  ErrorDetailSchema,
  type ErrorDetail,
} from '../../../lib/gen/tessera/v1/error_detail_pb.js';
import type { BackendResult } from '../backend.js';
import { messageToJson } from '../../../lib/proto-json/convert.js';

type JsonObject = Record<string, unknown>;

/** The method map of a generated service, for `ServiceClient<MethodsOf<typeof Service>>`. */
export type MethodsOf<T> = T extends GenService<infer S extends GenServiceMethods> ? S : never;

/** An answer of the control plane or a storage node: a response, an error, or neither. */
export interface DataAnswer<R> {
  readonly response?: R;
  readonly error?: ErrorDetail;
}

/**
 * Turns an ErrorDetail into the DynamoError it names. A name outside DynamoDB's catalogue is a
 * bug on the other side: it becomes InternalServerError rather than a crash of the router.
 */
export function dynamoErrorOf(detail: ErrorDetail): DynamoError {
  const json = messageToJson(ErrorDetailSchema, detail as never) as JsonObject;
  const item = json['Item'];
  if (detail.type === 'ConditionalCheckFailedException') {
    const hasItem = item !== undefined && Object.keys(item as object).length > 0;
    return conditionalCheckFailed(hasItem ? item : undefined);
  }
  try {
    return new DynamoError(detail.type as DynamoErrorName, detail.message);
  } catch {
    return new DynamoError(
      'InternalServerError',
      `unexpected error ${detail.type}: ${detail.message}`,
    );
  }
}

/** The JSON of a response message (`tessera.v1`), for the router's DynamoDB-shaped outcomes. */
export function responseJson(schema: DescMessage, response: object): JsonObject {
  return messageToJson(schema, response as never) as JsonObject;
}

/** An item in DynamoDB's JSON, or undefined when absent or empty. */
export function optionalItem(wire: unknown): Item | undefined {
  if (wire === undefined || Object.keys(wire as object).length === 0) return undefined;
  const item = itemFromWire(wire);
  // The storage node produced this item from validated data: a bad one is its bug.
  if (!item.ok) throw new Error(`a storage node answered a malformed item: ${item.error.message}`);
  return item.value;
}

/** Decodes an answer that carries either a response or an ErrorDetail. */
export function decodeAnswer<R, T>(
  answer: DataAnswer<R>,
  decode: (response: R) => T,
): BackendResult<T> {
  if (answer.error !== undefined) return { kind: 'error', error: dynamoErrorOf(answer.error) };
  if (answer.response === undefined) {
    return { kind: 'unavailable', reason: 'the answer carried neither a response nor an error' };
  }
  return { kind: 'ok', value: decode(answer.response) };
}
