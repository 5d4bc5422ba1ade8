/**
 * Semantic checks of CreateTable and UpdateTable requests, with DynamoDB's messages.
 *
 * The router validates request syntax (types, lengths, enums) with the data model's validation
 * tables before it proposes anything. These checks repeat the few that the catalog's correctness
 * rests on, so that the core is safe on its own, and they refuse every DynamoDB feature Tessera
 * does not implement yet with a ValidationException that names the feature — a client must
 * never believe it has an index or a stream that does not exist.
 */
import { fail, ok } from './errors.js';
import type { Result } from './errors.js';
import type { AttributeDefinition, BillingMode, KeySchemaElement, Tag } from './state.js';

/** DynamoDB's ProvisionedThroughput input. */
export interface ProvisionedThroughputInput {
  readonly ReadCapacityUnits: number;
  readonly WriteCapacityUnits: number;
}

/** The CreateTable request fields the catalog reads; unknown features are refused. */
export interface CreateTableInput {
  readonly TableName: string;
  readonly KeySchema: readonly KeySchemaElement[];
  readonly AttributeDefinitions: readonly AttributeDefinition[];
  readonly BillingMode?: BillingMode;
  readonly ProvisionedThroughput?: ProvisionedThroughputInput;
  readonly Tags?: readonly Tag[];
  readonly [feature: string]: unknown;
}

/** The UpdateTable request fields the catalog reads; unknown features are refused. */
export interface UpdateTableInput {
  readonly TableName: string;
  readonly BillingMode?: BillingMode;
  readonly ProvisionedThroughput?: ProvisionedThroughputInput;
  readonly [feature: string]: unknown;
}

/** A CreateTable request that passed every check. */
export interface TableSpec {
  readonly tableName: string;
  readonly keySchema: readonly KeySchemaElement[];
  readonly attributeDefinitions: readonly AttributeDefinition[];
  readonly billingMode: BillingMode;
  readonly readCapacityUnits: number;
  readonly writeCapacityUnits: number;
  readonly tags: readonly Tag[];
}

/** DynamoDB's upper bound for provisioned capacity units in one request. */
export const CAPACITY_UNITS_MAX = 1_000_000_000_000;

/** Tags per resource (DynamoDB's limit). */
export const TAGS_PER_TABLE_MAX = 50;

const tableNamePattern = /^[a-zA-Z0-9_.-]{3,255}$/;

const invalid = 'One or more parameter values were invalid:';

/** A refused feature: true when the request asks for it (a disabled feature is harmless). */
type FeatureProbe = (value: unknown) => boolean;

const present: FeatureProbe = (value) => value !== undefined && value !== null;
const enabledFlag =
  (flag: string): FeatureProbe =>
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[flag] === true;
const isTrue: FeatureProbe = (value) => value === true;
const notStandard: FeatureProbe = (value) => present(value) && value !== 'STANDARD';

const createTableFeatures: ReadonlyArray<readonly [string, FeatureProbe]> = [
  ['LocalSecondaryIndexes', present],
  ['GlobalSecondaryIndexes', present],
  ['StreamSpecification', enabledFlag('StreamEnabled')],
  ['SSESpecification', enabledFlag('Enabled')],
  ['TableClass', notStandard],
  ['DeletionProtectionEnabled', isTrue],
  ['OnDemandThroughput', present],
  ['WarmThroughput', present],
  ['ResourcePolicy', present],
];

const updateTableFeatures: ReadonlyArray<readonly [string, FeatureProbe]> = [
  ['GlobalSecondaryIndexUpdates', present],
  ['AttributeDefinitions', present],
  ['StreamSpecification', enabledFlag('StreamEnabled')],
  ['SSESpecification', enabledFlag('Enabled')],
  ['ReplicaUpdates', present],
  ['TableClass', notStandard],
  ['DeletionProtectionEnabled', isTrue],
  ['OnDemandThroughput', present],
  ['WarmThroughput', present],
  ['MultiRegionConsistency', present],
  ['GlobalTableWitnessUpdates', present],
];

function refusedFeature(
  input: Readonly<Record<string, unknown>>,
  features: ReadonlyArray<readonly [string, FeatureProbe]>,
): string | null {
  for (const [name, probe] of features) {
    if (probe(input[name])) return `${invalid} ${name} is not supported by Tessera yet`;
  }
  return null;
}

/** The message for a table name outside 3–255 characters of [a-zA-Z0-9_.-], or null. */
export function tableNameProblem(tableName: unknown): string | null {
  if (typeof tableName === 'string' && tableNamePattern.test(tableName)) return null;
  const value = String(tableName);
  const constraint =
    typeof tableName === 'string' && tableName.length < 3
      ? 'Member must have length greater than or equal to 3'
      : typeof tableName === 'string' && tableName.length > 255
        ? 'Member must have length less than or equal to 255'
        : 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';
  return `1 validation error detected: Value '${value}' at 'tableName' failed to satisfy constraint: ${constraint}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function keySchemaProblem(
  keySchema: readonly KeySchemaElement[],
  definitions: readonly AttributeDefinition[],
): string | null {
  // The router validates syntax first; these guards keep apply total on any decoded input.
  if (!Array.isArray(keySchema) || keySchema.length < 1 || keySchema.length > 2) {
    return `${invalid} KeySchema must have one or two elements`;
  }
  if (!Array.isArray(definitions) || definitions.length < 1) {
    return `${invalid} AttributeDefinitions must not be empty`;
  }
  const wellFormed =
    keySchema.every((e: unknown) => isRecord(e) && typeof e.AttributeName === 'string') &&
    definitions.every((d: unknown) => isRecord(d) && typeof d.AttributeName === 'string');
  if (!wellFormed) return `${invalid} every key element needs an AttributeName`;
  const definedNames = definitions.map((definition) => definition.AttributeName);
  const keyNames = keySchema.map((element) => element.AttributeName);
  if (keyNames.length > definedNames.length) {
    return 'Invalid KeySchema: Some index key attribute have no definition';
  }
  if (keyNames.some((name) => !definedNames.includes(name))) {
    return `${invalid} Some index key attributes are not defined in AttributeDefinitions. Keys: [${keyNames.join(', ')}], AttributeDefinitions: [${definedNames.join(', ')}]`;
  }
  if (keyNames[0] === keyNames[1]) {
    return 'Both the Hash Key and the Range Key element in the KeySchema have the same name';
  }
  if (keySchema[0]?.KeyType !== 'HASH') {
    return 'Invalid KeySchema: The first KeySchemaElement is not a HASH key type';
  }
  if (keySchema[1] !== undefined && keySchema[1].KeyType !== 'RANGE') {
    return 'Invalid KeySchema: The second KeySchemaElement is not a RANGE key type';
  }
  if (keySchema.length !== definitions.length) {
    return `${invalid} Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions`;
  }
  if (
    definitions.some(
      (d) => d.AttributeType !== 'S' && d.AttributeType !== 'N' && d.AttributeType !== 'B',
    )
  ) {
    return `${invalid} Member must satisfy enum value set: [B, N, S]`;
  }
  return null;
}

/** The message for out-of-bounds capacity units, or null. */
function capacityProblem(throughput: ProvisionedThroughputInput): string | null {
  for (const [name, value] of [
    ['ReadCapacityUnits', throughput.ReadCapacityUnits],
    ['WriteCapacityUnits', throughput.WriteCapacityUnits],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > CAPACITY_UNITS_MAX) {
      return `Given value ${value} for ${name} is out of bounds`;
    }
  }
  return null;
}

/** The message for a BillingMode outside DynamoDB's enum, or null. */
function billingModeProblem(mode: unknown): string | null {
  if (mode === undefined || mode === 'PROVISIONED' || mode === 'PAY_PER_REQUEST') return null;
  return `1 validation error detected: Value '${String(mode)}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`;
}

function billingProblem(input: CreateTableInput): string | null {
  const modeProblem = billingModeProblem(input.BillingMode);
  if (modeProblem !== null) return modeProblem;
  if (input.BillingMode === 'PAY_PER_REQUEST') {
    return input.ProvisionedThroughput === undefined
      ? null
      : `${invalid} Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`;
  }
  const throughput = input.ProvisionedThroughput;
  if (!isRecord(throughput) || !throughput.ReadCapacityUnits || !throughput.WriteCapacityUnits) {
    return `${invalid} ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED`;
  }
  return capacityProblem(throughput);
}

function tagsProblem(tags: readonly Tag[] | undefined): string | null {
  if (tags === undefined) return null;
  const wellFormed =
    Array.isArray(tags) &&
    tags.every(
      (t: unknown) => isRecord(t) && typeof t.Key === 'string' && typeof t.Value === 'string',
    );
  if (!wellFormed) return `${invalid} every tag needs a Key and a Value`;
  if (tags.length > TAGS_PER_TABLE_MAX) {
    return `${invalid} The number of tags exceeds the limit of ${TAGS_PER_TABLE_MAX}`;
  }
  const keys = new Set(tags.map((tag) => tag.Key));
  if (keys.size !== tags.length) return `${invalid} Duplicate tag keys found`;
  return null;
}

/** Checks a CreateTable request and normalises it into a {@link TableSpec}. */
export function validateCreateTable(input: CreateTableInput): Result<TableSpec> {
  const problem =
    tableNameProblem(input.TableName) ??
    refusedFeature(input, createTableFeatures) ??
    keySchemaProblem(input.KeySchema, input.AttributeDefinitions) ??
    billingProblem(input) ??
    tagsProblem(input.Tags);
  if (problem !== null) return fail('ValidationException', problem);
  const billingMode = input.BillingMode ?? 'PROVISIONED';
  const throughput = input.ProvisionedThroughput;
  return ok({
    tableName: input.TableName,
    keySchema: input.KeySchema.map((e) => ({ AttributeName: e.AttributeName, KeyType: e.KeyType })),
    attributeDefinitions: input.AttributeDefinitions.map((d) => ({
      AttributeName: d.AttributeName,
      AttributeType: d.AttributeType,
    })),
    billingMode,
    readCapacityUnits: billingMode === 'PROVISIONED' ? (throughput?.ReadCapacityUnits ?? 0) : 0,
    writeCapacityUnits: billingMode === 'PROVISIONED' ? (throughput?.WriteCapacityUnits ?? 0) : 0,
    tags: (input.Tags ?? []).map((tag) => ({ Key: tag.Key, Value: tag.Value })),
  });
}

/**
 * Checks the parts of an UpdateTable request that do not depend on the table: the name, refused
 * features, that something is asked for, and capacity bounds.
 */
export function validateUpdateTableInput(input: UpdateTableInput): Result<UpdateTableInput> {
  const problem =
    tableNameProblem(input.TableName) ??
    refusedFeature(input, updateTableFeatures) ??
    billingModeProblem(input.BillingMode);
  if (problem !== null) return fail('ValidationException', problem);
  if (input.ProvisionedThroughput === undefined && input.BillingMode === undefined) {
    return fail(
      'ValidationException',
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    );
  }
  if (input.BillingMode === 'PROVISIONED' && input.ProvisionedThroughput === undefined) {
    return fail(
      'ValidationException',
      `${invalid} ProvisionedThroughput must be specified when BillingMode is PROVISIONED`,
    );
  }
  const throughput: unknown = input.ProvisionedThroughput;
  if (throughput !== undefined && !isRecord(throughput)) {
    return fail('ValidationException', `${invalid} ProvisionedThroughput must be a structure`);
  }
  const capacity =
    input.ProvisionedThroughput === undefined ? null : capacityProblem(input.ProvisionedThroughput);
  return capacity === null ? ok(input) : fail('ValidationException', capacity);
}
