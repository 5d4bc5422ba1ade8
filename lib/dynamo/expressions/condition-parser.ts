// ConditionExpression / FilterExpression / KeyConditionExpression parser: hand-written
// recursive descent with DynamoDB's precedence (comparisons, IN, BETWEEN and functions bind
// tightest, then NOT, then AND, then OR) and DynamoDB's semantic checks and messages.

import { compareScalars, type AttributeValue } from '../attribute-value.js';
import { invalid, ok, type Result } from '../errors.js';
import { formatNumber } from '../number.js';
import { encodeBase64 } from '../attribute-value.js';
import {
  renderPath,
  type Comparator,
  type Condition,
  type DocumentPath,
  type Operand,
  type Parsed,
  type Placeholders,
} from './ast.js';
import { ParserState, SyntaxFailure } from './parser-state.js';

/** An operand as written, before functions are checked and converted. */
type RawOperand =
  | { readonly kind: 'path'; readonly path: DocumentPath }
  | { readonly kind: 'value'; readonly value: AttributeValue | undefined }
  | { readonly kind: 'function'; readonly name: string; readonly args: readonly RawOperand[] };

const comparators: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=']);

/** IN accepts at most this many candidates. */
export const inOperandsMax = 100;

const functionArity: Readonly<Record<string, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};

const validTypeNames = ['S', 'N', 'B', 'NULL', 'SS', 'BOOL', 'L', 'BS', 'NS', 'M'];

/** Categories in the order DynamoDB reports them; "condition" is settled per leaf. */
const reportOrder = ['parens', 'unknownFunction', 'misusedFunction', 'reserved', 'condition'];

/** The operand problems of one leaf condition, in the order DynamoDB ranks them. */
const conditionOrder = ['attrNameVal', 'operand', 'distinct', 'function'];

/** The literal type of an operand when it is known at parse time. */
function operandType(operand: RawOperand): string | undefined {
  if (operand.kind === 'value') return operand.value?.type;
  if (operand.kind === 'function' && operand.name === 'size') return 'N';
  return undefined;
}

/** Renders a literal as DynamoDB does inside BETWEEN messages: `{N:1}`. */
function renderLiteral(value: AttributeValue): string {
  return `AttributeValue: {${value.type}:${renderMember(value)}}`;
}

/** A value's payload as DynamoDB prints it: sets joined by commas, documents opaque. */
function renderMember(value: AttributeValue): string {
  switch (value.type) {
    case 'N':
      return formatNumber(value.value);
    case 'B':
      return encodeBase64(value.value);
    case 'SS':
      return value.value.join(',');
    case 'NS':
      return value.value.map(formatNumber).join(',');
    case 'BS':
      return value.value.map(encodeBase64).join(',');
    case 'L':
      return value.value.map(() => '[object Object]').join(',');
    case 'M':
      return '[object Object]';
    default:
      return String(value.value);
  }
}

class ConditionParser {
  private readonly parenthesized = new WeakSet<Condition>();
  private readonly parenthesizedOperands = new WeakSet<RawOperand>();
  private readonly bareSize = new WeakSet<Condition>();

  /** Records the misuse of size() used as a whole condition. */
  checkBareSize(...conditions: Condition[]): void {
    if (conditions.some((condition) => this.bareSize.has(condition))) {
      this.state.record(
        'misusedFunction',
        'The function is not allowed to be used this way in an expression; function: size',
      );
    }
  }

  constructor(private readonly state: ParserState) {}

  parseOr(): Condition {
    let left = this.parseAnd();
    while (this.state.isKeyword('OR')) {
      this.state.next();
      const right = this.parseAnd();
      this.checkBareSize(left, right);
      left = { kind: 'or', left, right };
    }
    return left;
  }

  private parseAnd(): Condition {
    let left = this.parseNot();
    while (this.state.isKeyword('AND')) {
      this.state.next();
      const right = this.parseNot();
      this.checkBareSize(left, right);
      left = { kind: 'and', left, right };
    }
    return left;
  }

  private parseNot(): Condition {
    this.state.enter();
    let condition: Condition;
    if (this.state.isKeyword('NOT')) {
      // DynamoDB's grammar takes one NOT per operand: `NOT NOT a = :v` is a syntax error.
      this.state.next();
      const operand = this.parsePrimary();
      this.checkBareSize(operand);
      condition = { kind: 'not', condition: operand };
    } else {
      condition = this.parsePrimary();
    }
    this.state.leave();
    return condition;
  }

  private parsePrimary(): Condition {
    if (!this.state.isPunctuation('(')) return this.parseComparison();
    const saved = this.state.position;
    const savedDepth = this.state.depth;
    const savedErrors = new Map(this.state.errors);
    try {
      this.state.next();
      const inner = this.parseOr();
      this.state.expectPunctuation(')');
      if (!this.atComparisonOperator()) {
        if (this.parenthesized.has(inner)) {
          this.state.record('parens', 'The expression has redundant parentheses;');
        }
        this.parenthesized.add(inner);
        return inner;
      }
    } catch (failure) {
      if (!(failure instanceof SyntaxFailure)) throw failure;
      this.furthest = Math.max(this.furthest, failure.position);
    }
    // The parentheses enclosed an operand, as in `(a) = :v`: parse it as a comparison.
    this.state.position = saved;
    this.state.depth = savedDepth;
    this.state.errors = savedErrors;
    return this.parseComparison();
  }

  /** The furthest position a failed alternative reached, for the syntax error. */
  furthest = 0;

  private atComparisonOperator(): boolean {
    const token = this.state.peek();
    return (
      (token.kind === 'punctuation' && comparators.has(token.text)) ||
      this.state.isKeyword('BETWEEN') ||
      this.state.isKeyword('IN')
    );
  }

  /**
   * Parses one leaf condition, then fixes the "condition" error as DynamoDB does: the first
   * leaf with any operand problem decides, ranking the problems recorded so far.
   */
  private parseComparison(): Condition {
    const leaf = this.parseLeaf();
    if (!this.state.errors.has('condition')) {
      const message = this.state.firstError(conditionOrder);
      if (message !== undefined) this.state.record('condition', message);
    }
    return leaf;
  }

  private parseLeaf(): Condition {
    const left = this.parseOperand();
    const token = this.state.peek();
    if (token.kind === 'punctuation' && comparators.has(token.text)) {
      this.state.next();
      const right = this.parseOperand();
      this.checkMisused([left, right]);
      this.checkDistinct(token.text, [left, right]);
      return {
        kind: 'comparison',
        comparator: token.text as Comparator,
        left: this.toOperand(left),
        right: this.toOperand(right),
      };
    }
    if (this.state.isKeyword('BETWEEN')) return this.parseBetween(left);
    if (this.state.isKeyword('IN')) return this.parseIn(left);
    if (left.kind === 'function') return this.functionCondition(left);
    return this.state.fail();
  }

  private parseBetween(subject: RawOperand): Condition {
    this.state.next();
    const low = this.parseOperand();
    this.state.expectKeyword('AND');
    const high = this.parseOperand();
    this.checkMisused([subject, low, high]);
    this.checkBetweenBounds(low, high);
    return {
      kind: 'between',
      subject: this.toOperand(subject),
      low: this.toOperand(low),
      high: this.toOperand(high),
    };
  }

  private parseIn(subject: RawOperand): Condition {
    this.state.next();
    this.state.expectPunctuation('(');
    const candidates = [this.parseOperand()];
    while (this.state.isPunctuation(',')) {
      this.state.next();
      candidates.push(this.parseOperand());
    }
    this.state.expectPunctuation(')');
    this.checkMisused([subject, ...candidates]);
    if (candidates.length > inOperandsMax) {
      this.state.record(
        'operand',
        `The IN operator is provided with too many operands; number of operands: ${candidates.length}`,
      );
    }
    return {
      kind: 'in',
      subject: this.toOperand(subject),
      candidates: candidates.map((candidate) => this.toOperand(candidate)),
    };
  }

  private parseOperand(): RawOperand {
    const state = this.state;
    const token = state.peek();
    if (token.kind === 'attributeValue') {
      state.next();
      return { kind: 'value', value: state.resolveValue(token.text) };
    }
    if (token.kind === 'name' && !state.isKeywordToken(token) && state.isPunctuation('(', 1)) {
      return this.parseFunction();
    }
    if (state.atPathStart()) return { kind: 'path', path: state.parsePath() };
    if (token.kind === 'punctuation' && token.text === '(') {
      state.next();
      state.enter();
      const inner = this.parseOperand();
      state.leave();
      state.expectPunctuation(')');
      // One pair of parentheses around an operand is allowed; a second pair is redundant.
      if (this.parenthesizedOperands.has(inner)) {
        state.record('parens', 'The expression has redundant parentheses;');
      }
      const wrapped = { ...inner };
      this.parenthesizedOperands.add(wrapped);
      return wrapped;
    }
    return state.fail();
  }

  private parseFunction(): RawOperand {
    const name = this.state.next().text;
    this.state.expectPunctuation('(');
    this.state.enter();
    const args = [this.parseOperand()];
    while (this.state.isPunctuation(',')) {
      this.state.next();
      args.push(this.parseOperand());
    }
    this.state.leave();
    this.state.expectPunctuation(')');
    this.checkMisused(args);
    const operand: RawOperand = { kind: 'function', name, args };
    this.checkFunction(operand);
    return operand;
  }

  private checkFunction(call: RawOperand & { kind: 'function' }): void {
    const { name, args } = call;
    const arity = functionArity[name];
    if (arity === undefined) {
      this.state.record('unknownFunction', `Invalid function name; function: ${name}`);
      return;
    }
    if (args.length !== arity) {
      this.state.record(
        'operand',
        `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
      );
      return;
    }
    this.checkDistinct(name, args);
    this.checkFunctionTypes(name, args);
  }

  private checkFunctionTypes(name: string, args: readonly RawOperand[]): void {
    const typeError = (type: string): void =>
      this.state.record(
        'function',
        `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`,
      );
    const first = args[0] as RawOperand;
    if (name === 'attribute_exists' || name === 'attribute_not_exists') {
      if (first.kind !== 'path') {
        this.state.record(
          'function',
          `Operator or function requires a document path; operator or function: ${name}`,
        );
      }
    } else if (name === 'begins_with') {
      const bad = args
        .map(operandType)
        .find((type) => type !== undefined && type !== 'S' && type !== 'B');
      if (bad !== undefined) typeError(bad);
    } else if (name === 'attribute_type') {
      const second = args[1] as RawOperand;
      const type = operandType(second);
      if (type !== 'S') {
        typeError(type ?? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}');
      } else if (second.kind === 'value' && second.value?.type === 'S') {
        if (!validTypeNames.includes(second.value.value)) {
          this.state.record(
            'function',
            `Invalid attribute type name found; type: ${second.value.value}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
          );
        }
      }
    } else if (name === 'size') {
      const type = operandType(first);
      if (type === 'N' || type === 'BOOL' || type === 'NULL') typeError(type);
    }
  }

  private checkMisused(operands: readonly RawOperand[]): void {
    for (const operand of operands) {
      if (operand.kind === 'function' && operand.name !== 'size') {
        this.state.record(
          'misusedFunction',
          `The function is not allowed to be used this way in an expression; function: ${operand.name}`,
        );
        return;
      }
    }
  }

  private checkDistinct(operator: string, operands: readonly RawOperand[]): void {
    const [first, second] = operands;
    if (operands.length !== 2 || first?.kind !== 'path' || second?.kind !== 'path') return;
    if (first.path.length !== second.path.length) return;
    if (first.path.some((element, index) => element !== second.path[index])) return;
    this.state.record(
      'distinct',
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${operator}, first operand: ${renderPath(first.path)}`,
    );
  }

  private checkBetweenBounds(low: RawOperand, high: RawOperand): void {
    if (low.kind !== 'value' || high.kind !== 'value') return;
    if (low.value === undefined || high.value === undefined) return;
    const bounds = `lower bound operand: ${renderLiteral(low.value)}, upper bound operand: ${renderLiteral(high.value)}`;
    if (low.value.type !== high.value.type) {
      this.state.record(
        'function',
        `The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`,
      );
    } else if ((compareScalars(low.value, high.value) ?? 0) > 0) {
      this.state.record(
        'function',
        `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`,
      );
    }
  }

  /** Converts a checked operand; functions other than size were recorded as misused. */
  private toOperand(operand: RawOperand): Operand {
    if (operand.kind === 'path') return operand;
    if (operand.kind === 'value') {
      return { kind: 'value', value: operand.value ?? { type: 'NULL', value: true } };
    }
    return { kind: 'size', operand: this.toOperand(operand.args[0] ?? operand) };
  }

  private functionCondition(call: RawOperand & { kind: 'function' }): Condition {
    const [first, second] = call.args;
    if (call.name === 'size' || first === undefined) {
      // DynamoDB notices a bare size() only where conditions combine (checkBareSize).
      const marker: Condition = { kind: 'attribute_exists', path: [] };
      this.bareSize.add(marker);
      return marker;
    }
    switch (call.name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        return { kind: call.name, path: first.kind === 'path' ? first.path : [] };
      case 'attribute_type':
      case 'begins_with':
      case 'contains': {
        const subject = this.toOperand(first);
        const operand = this.toOperand(second ?? first);
        return call.name === 'attribute_type'
          ? { kind: call.name, subject, typeName: operand }
          : { kind: call.name, subject, operand };
      }
      default:
        // An unknown function was recorded by checkFunction; keep parsing for syntax errors.
        return { kind: 'attribute_exists', path: [] };
    }
  }
}

/** Parses a condition and returns its AST or DynamoDB's message (without the prefix). */
export function parseConditionBody(
  text: string,
  placeholders: Placeholders,
): Result<Parsed<Condition>> {
  const state = new ParserState(text, placeholders);
  const parser = new ConditionParser(state);
  let condition: Condition;
  try {
    condition = parser.parseOr();
    if (state.peek().kind !== 'end') state.fail();
    parser.checkBareSize(condition);
  } catch (failure) {
    if (!(failure instanceof SyntaxFailure)) throw failure;
    return invalid(state.syntaxMessage(Math.max(failure.position, parser.furthest)));
  }
  const message = state.firstError(reportOrder);
  if (message !== undefined) return invalid(message);
  return ok({ ast: condition, usedNames: state.usedNames, usedValues: state.usedValues });
}
