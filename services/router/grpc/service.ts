// The tessera.v1.Dynamo gRPC service: each method converts its protobuf request into
// DynamoDB's JSON, runs the same operation as the HTTP API, and converts the answer back.
// DynamoDB errors end the call with a gRPC status and the trailing metadata
// `x-tessera-error-type` carrying DynamoDB's error name (see proto/tessera/v1/dynamo.proto).

import { Metadata } from '@grpc/grpc-js';
import { toBinary, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { ItemSchema, type Item } from '../../../lib/gen/tessera/v1/attribute_value_pb.js';
import { Dynamo } from '../../../lib/gen/tessera/v1/dynamo_pb.js';
import {
  bindService,
  GrpcError,
  GrpcStatus,
  type ServiceBinding,
} from '../../../lib/grpc/index.js';
import type { GrpcStatusCode } from '../../../lib/grpc/index.js';
import type { DynamoError, DynamoErrorName } from '../../../lib/dynamo/index.js';
import { runOperation, type OperationContext } from '../operations/index.js';
import { jsonToMessage, messageToJson } from '../../../lib/proto-json/convert.js';

/** The trailing metadata key naming DynamoDB's error. */
export const errorTypeMetadataKey = 'x-tessera-error-type';

/**
 * The trailing metadata key carrying the item returned with a failed condition
 * (ReturnValuesOnConditionCheckFailure=ALL_OLD), as a binary `tessera.v1.Item`.
 */
export const errorItemMetadataKey = 'x-tessera-error-item-bin';

const statusByError: Partial<Record<DynamoErrorName, GrpcStatusCode>> = {
  ResourceNotFoundException: GrpcStatus.NOT_FOUND,
  ResourceInUseException: GrpcStatus.ALREADY_EXISTS,
  ConditionalCheckFailedException: GrpcStatus.FAILED_PRECONDITION,
  ProvisionedThroughputExceededException: GrpcStatus.RESOURCE_EXHAUSTED,
  RequestLimitExceeded: GrpcStatus.RESOURCE_EXHAUSTED,
  ThrottlingException: GrpcStatus.RESOURCE_EXHAUSTED,
  LimitExceededException: GrpcStatus.RESOURCE_EXHAUSTED,
  ItemCollectionSizeLimitExceededException: GrpcStatus.RESOURCE_EXHAUSTED,
  TransactionConflictException: GrpcStatus.ABORTED,
  TransactionCanceledException: GrpcStatus.ABORTED,
  InternalServerError: GrpcStatus.UNAVAILABLE,
  UnrecognizedClientException: GrpcStatus.UNAUTHENTICATED,
  InvalidSignatureException: GrpcStatus.UNAUTHENTICATED,
  MissingAuthenticationTokenException: GrpcStatus.UNAUTHENTICATED,
  AccessDeniedException: GrpcStatus.PERMISSION_DENIED,
  UnknownOperationException: GrpcStatus.UNIMPLEMENTED,
};

/** The gRPC status for a DynamoDB error: INVALID_ARGUMENT for validation and other 4xx. */
export function grpcStatusFor(error: DynamoError): GrpcStatusCode {
  return (
    statusByError[error.name] ??
    (error.httpStatus >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.INVALID_ARGUMENT)
  );
}

/** The GrpcError a handler throws for a DynamoDB error. */
export function toGrpcError(error: DynamoError): GrpcError {
  const metadata = new Metadata();
  metadata.set(errorTypeMetadataKey, error.name);
  const item = error.extra['Item'];
  if (item !== undefined) {
    const message = jsonToMessage<Item>(ItemSchema, item);
    metadata.set(errorItemMetadataKey, Buffer.from(toBinary(ItemSchema, message)));
  }
  return new GrpcError(grpcStatusFor(error), error.message, metadata);
}

function handlerFor(method: DescMethod, context: OperationContext) {
  return async (request: Record<string, unknown>): Promise<unknown> => {
    const json = messageToJson(method.input, request);
    const result = await runOperation(method.name, json, context);
    if (!result.ok) throw toGrpcError(result.error);
    const answer = jsonToMessage(method.output as DescMessage, result.value);
    if (method.name === 'GetItem') {
      (answer as unknown as { found: boolean }).found = result.value['Item'] !== undefined;
    }
    return answer;
  };
}

/** Binds tessera.v1.Dynamo to the router's operations. */
export function dynamoGrpcService(context: OperationContext): ServiceBinding {
  const implementation: Record<string, unknown> = {};
  for (const method of (Dynamo as unknown as DescService).methods) {
    implementation[method.localName] = handlerFor(method, context);
  }
  return bindService(Dynamo, implementation as never);
}
