// The parsed forms of DynamoDB expressions. Placeholders are resolved at parse time, so an
// AST holds real attribute names and typed values and can be evaluated many times.

import type { AttributeValue } from '../attribute-value.js';

/** One step of a document path: an attribute or map key name, or a list index. */
export type PathElement = string | number;

/** A document path such as `a.b[2].c`, as resolved names and indexes. */
export type DocumentPath = readonly PathElement[];

/** Something a condition compares: a path, a literal value, or `size(operand)`. */
export type Operand =
  | { readonly kind: 'path'; readonly path: DocumentPath }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly operand: Operand };

/** The six comparators. */
export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** A ConditionExpression, FilterExpression or KeyConditionExpression. */
export type Condition =
  | {
      readonly kind: 'comparison';
      readonly comparator: Comparator;
      readonly left: Operand;
      readonly right: Operand;
    }
  | {
      readonly kind: 'between';
      readonly subject: Operand;
      readonly low: Operand;
      readonly high: Operand;
    }
  | { readonly kind: 'in'; readonly subject: Operand; readonly candidates: readonly Operand[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'attribute_exists' | 'attribute_not_exists'; readonly path: DocumentPath }
  | { readonly kind: 'attribute_type'; readonly subject: Operand; readonly typeName: Operand }
  | {
      readonly kind: 'begins_with' | 'contains';
      readonly subject: Operand;
      readonly operand: Operand;
    };

/** The right-hand side of a SET action. */
export type SetValue =
  | { readonly kind: 'path'; readonly path: DocumentPath }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: '+' | '-'; readonly left: SetValue; readonly right: SetValue }
  | { readonly kind: 'if_not_exists'; readonly path: DocumentPath; readonly fallback: SetValue }
  | { readonly kind: 'list_append'; readonly first: SetValue; readonly second: SetValue };

/** One action of an UpdateExpression, in the order written. */
export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: DocumentPath; readonly value: SetValue }
  | { readonly kind: 'REMOVE'; readonly path: DocumentPath }
  | {
      readonly kind: 'ADD' | 'DELETE';
      readonly path: DocumentPath;
      readonly value: AttributeValue;
    };

/** A parsed UpdateExpression. */
export interface UpdateExpression {
  readonly actions: readonly UpdateAction[];
}

/** A parsed ProjectionExpression: the paths to keep. */
export interface ProjectionExpression {
  readonly paths: readonly DocumentPath[];
}

/** An expression together with the placeholders it used (for the "unused" checks). */
export interface Parsed<T> {
  readonly ast: T;
  readonly usedNames: ReadonlySet<string>;
  readonly usedValues: ReadonlySet<string>;
}

/** ExpressionAttributeNames and (already converted) ExpressionAttributeValues. */
export interface Placeholders {
  readonly names?: Readonly<Record<string, string>> | undefined;
  readonly values?: Readonly<Record<string, AttributeValue>> | undefined;
}

/** Renders a path the way DynamoDB quotes it in messages: `[a, b, [2]]`. */
export function renderPath(path: DocumentPath): string {
  return `[${path.map((element) => (typeof element === 'number' ? `[${element}]` : element)).join(', ')}]`;
}
