// The public API of lib/dynamo: DynamoDB's data model, expression language, request validation
// and error catalogue. Pure: no I/O, no clocks, no randomness.

export * from './errors.js';
export * from './number.js';
export * from './attribute-value.js';
export * from './item-size.js';
export * from './capacity.js';
export * from './key-encoding.js';
export * from './item-codec.js';
export * from './key-schema.js';
export * from './legacy.js';
export * from './expressions/ast.js';
export * from './expressions/parse.js';
export * from './expressions/evaluate.js';
export * from './expressions/apply-update.js';
export * from './expressions/projection.js';
export * from './expressions/key-condition.js';
export { isReservedWord, reservedWords } from './expressions/reserved-words.js';
export * from './validation/index.js';
export {
  checkExpressionMixing,
  parseRequestExpressions,
  type RequestData,
  type RequestExpressions,
} from './validation/common.js';
export * from './expressions/return-values.js';
export * from './key-range.js';
export * from './expressions/parse-cache.js';
