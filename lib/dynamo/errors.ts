// The error catalogue: every client-facing DynamoDB error with its `__type`, HTTP status and
// exact message. DynamoDB clients branch on `__type` (the SDKs map it to exception classes) and
// some tools match message text, so both must be exactly what DynamoDB sends.

/** Every error name Tessera returns to a DynamoDB client. */
export type DynamoErrorName =
  | 'ValidationException'
  | 'SerializationException'
  | 'ConditionalCheckFailedException'
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'LimitExceededException'
  | 'ProvisionedThroughputExceededException'
  | 'RequestLimitExceeded'
  | 'ThrottlingException'
  | 'ItemCollectionSizeLimitExceededException'
  | 'TransactionCanceledException'
  | 'TransactionConflictException'
  | 'TransactionInProgressException'
  | 'IdempotentParameterMismatchException'
  | 'InternalServerError'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'UnknownOperationException'
  | 'AccessDeniedException'
  | 'IncompleteSignatureException'
  | 'ServiceUnavailableException';

interface CatalogueEntry {
  readonly prefix: string;
  readonly httpStatus: number;
  /** Coral's serialization-layer errors spell the member `Message`; the rest `message`. */
  readonly messageKey?: 'Message';
}

const dynamoPrefix = 'com.amazonaws.dynamodb.v20120810#';
const coralValidatePrefix = 'com.amazon.coral.validate#';
const coralServicePrefix = 'com.amazon.coral.service#';
const coralAvailabilityPrefix = 'com.amazon.coral.availability#';

/** The `__type` prefix and HTTP status DynamoDB uses for each error name. */
const catalogue: Readonly<Record<DynamoErrorName, CatalogueEntry>> = {
  ValidationException: { prefix: coralValidatePrefix, httpStatus: 400 },
  SerializationException: { prefix: coralServicePrefix, httpStatus: 400, messageKey: 'Message' },
  UnknownOperationException: { prefix: coralServicePrefix, httpStatus: 400 },
  UnrecognizedClientException: { prefix: coralServicePrefix, httpStatus: 400 },
  InvalidSignatureException: { prefix: coralServicePrefix, httpStatus: 400 },
  MissingAuthenticationTokenException: { prefix: coralServicePrefix, httpStatus: 400 },
  AccessDeniedException: { prefix: coralServicePrefix, httpStatus: 400, messageKey: 'Message' },
  IncompleteSignatureException: { prefix: coralServicePrefix, httpStatus: 400 },
  ServiceUnavailableException: { prefix: coralAvailabilityPrefix, httpStatus: 503 },
  ConditionalCheckFailedException: { prefix: dynamoPrefix, httpStatus: 400 },
  ResourceNotFoundException: { prefix: dynamoPrefix, httpStatus: 400 },
  ResourceInUseException: { prefix: dynamoPrefix, httpStatus: 400 },
  LimitExceededException: { prefix: dynamoPrefix, httpStatus: 400 },
  ProvisionedThroughputExceededException: { prefix: dynamoPrefix, httpStatus: 400 },
  RequestLimitExceeded: { prefix: dynamoPrefix, httpStatus: 400 },
  ThrottlingException: { prefix: coralAvailabilityPrefix, httpStatus: 400 },
  ItemCollectionSizeLimitExceededException: { prefix: dynamoPrefix, httpStatus: 400 },
  TransactionCanceledException: { prefix: dynamoPrefix, httpStatus: 400 },
  TransactionConflictException: { prefix: dynamoPrefix, httpStatus: 400 },
  TransactionInProgressException: { prefix: dynamoPrefix, httpStatus: 400 },
  IdempotentParameterMismatchException: { prefix: dynamoPrefix, httpStatus: 400 },
  InternalServerError: { prefix: dynamoPrefix, httpStatus: 500 },
};

/** The wire form of an error body, exactly as DynamoDB serializes it. */
export interface DynamoErrorBody {
  readonly __type: string;
  readonly message?: string;
  readonly Message?: string;
  readonly CancellationReasons?: readonly unknown[];
  readonly Item?: unknown;
}

/**
 * A client-facing DynamoDB error. It is data: functions return it inside a result rather than
 * throwing it, and the router serializes it with {@link DynamoError.toBody}.
 */
export class DynamoError {
  /** The full `__type` string, e.g. `com.amazon.coral.validate#ValidationException`. */
  readonly type: string;
  /** The HTTP status DynamoDB answers with. */
  readonly httpStatus: number;
  private readonly messageKey: 'message' | 'Message';

  constructor(
    /** The short error name, e.g. `ValidationException`. */
    readonly name: DynamoErrorName,
    /** DynamoDB's exact message text. */
    readonly message: string,
    /** Extra fields some errors carry (CancellationReasons, Item). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    const entry = catalogue[name];
    this.type = entry.prefix + name;
    this.httpStatus = entry.httpStatus;
    this.messageKey = entry.messageKey ?? 'message';
  }

  /** The JSON body DynamoDB sends for this error (no message member when it has none). */
  toBody(): DynamoErrorBody {
    const message = this.message === '' ? {} : { [this.messageKey]: this.message };
    return { __type: this.type, ...message, ...this.extra };
  }
}

/** The result every fallible function of this library returns instead of throwing. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: DynamoError };

/** Wraps a successful value. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps an error. */
export function fail(error: DynamoError): { ok: false; error: DynamoError } {
  return { ok: false, error };
}

/** A ValidationException with DynamoDB's exact message. */
export function validationError(message: string): DynamoError {
  return new DynamoError('ValidationException', message);
}

/** A SerializationException (the request JSON does not match the operation's shapes). */
export function serializationError(message: string): DynamoError {
  return new DynamoError('SerializationException', message);
}

/** A failed ValidationException result, the most common failure of this library. */
export function invalid(message: string): { ok: false; error: DynamoError } {
  return fail(validationError(message));
}

/** ConditionalCheckFailedException with DynamoDB's default message. */
export function conditionalCheckFailed(item?: unknown): DynamoError {
  return new DynamoError(
    'ConditionalCheckFailedException',
    'The conditional request failed',
    item === undefined ? {} : { Item: item },
  );
}

/** ResourceNotFoundException as DynamoDB sends it for a missing table or index. */
export function resourceNotFound(message = 'Requested resource not found'): DynamoError {
  return new DynamoError('ResourceNotFoundException', message);
}

/** ResourceInUseException, e.g. for CreateTable on an existing table. */
export function resourceInUse(message: string): DynamoError {
  return new DynamoError('ResourceInUseException', message);
}

/** One constraint violation inside an aggregated validation message. */
export interface ConstraintViolation {
  /** The offending value rendered as DynamoDB renders it (`null` for a missing value). */
  readonly renderedValue: string;
  /** The parameter path, e.g. `tableName` or `keySchema.1.member.attributeName`. */
  readonly path: string;
  /** The constraint text, e.g. `Member must not be null`. */
  readonly constraint: string;
}

/** DynamoDB reports at most this many violations in one aggregated message. */
export const violationsReportedMax = 10;

/**
 * Builds DynamoDB's aggregated form: "1 validation error detected: Value 'x' at 'path' failed
 * to satisfy constraint: …" or "N validation errors detected: …; …".
 */
export function aggregatedValidationError(violations: readonly ConstraintViolation[]): DynamoError {
  const reported = violations.slice(0, violationsReportedMax);
  const parts = reported.map(
    (violation) =>
      `Value ${violation.renderedValue} at '${violation.path}' failed to satisfy constraint: ${violation.constraint}`,
  );
  const count = reported.length;
  return validationError(
    `${count} validation error${count === 1 ? '' : 's'} detected: ${parts.join('; ')}`,
  );
}

/** Type guard for values that are DynamoErrors, used at boundaries that receive unknowns. */
export function isDynamoError(value: unknown): value is DynamoError {
  return value instanceof DynamoError;
}
