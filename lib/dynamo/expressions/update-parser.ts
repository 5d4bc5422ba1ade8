// UpdateExpression parser: SET, REMOVE, ADD and DELETE clauses, each at most once, in any
// order; SET values with one `+` or `-`, `if_not_exists` and `list_append`; DynamoDB's checks
// for overlapping and conflicting paths, operand types and the operator limit.

import type { AttributeValue } from '../attribute-value.js';
import { invalid, ok, type Result } from '../errors.js';
import {
  type Parsed,
  type Placeholders,
  type SetValue,
  type UpdateAction,
  type UpdateExpression,
} from './ast.js';
import { ParserState, PathChecker, SyntaxFailure, updateKeywords } from './parser-state.js';

/** An UpdateExpression may hold at most this many operators and functions. */
export const updateOperatorsMax = 300;

const clauseKeywords = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;
type ClauseKeyword = (typeof clauseKeywords)[number];

const reportOrder = [
  'reserved',
  'unknownFunction',
  'section',
  'attrName',
  'attrVal',
  'pathOverlap',
  'pathConflict',
  'operand',
  'function',
  'operators',
];

const wireTypeNames: Readonly<Record<string, string>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  NULL: 'NULL',
  BOOL: 'BOOLEAN',
  L: 'LIST',
  M: 'MAP',
};

/** A SET value as written, with its literal type when known. */
type RawValue = { readonly value: SetValue; readonly type: string | undefined };

class UpdateParser {
  private readonly actions: UpdateAction[] = [];
  private readonly sections = new Set<string>();
  private operators = 0;

  private readonly pathChecker: PathChecker;

  constructor(private readonly state: ParserState) {
    this.pathChecker = new PathChecker(state);
  }

  parse(): UpdateAction[] {
    do {
      const keyword = clauseKeywords.find((word) => this.state.isKeyword(word));
      if (keyword === undefined) this.state.fail();
      this.state.next();
      if (this.sections.has(keyword)) {
        this.state.record(
          'section',
          `The "${keyword}" section can only be used once in an update expression;`,
        );
      }
      this.sections.add(keyword);
      this.parseClause(keyword);
    } while (this.state.peek().kind !== 'end');
    if (this.operators > updateOperatorsMax) {
      this.state.record(
        'operators',
        `The expression contains too many operators; operator count: ${this.operators}`,
      );
    }
    return this.actions;
  }

  private parseClause(keyword: ClauseKeyword): void {
    this.parseAction(keyword);
    while (this.state.isPunctuation(',')) {
      this.state.next();
      this.parseAction(keyword);
    }
  }

  private parseAction(keyword: ClauseKeyword): void {
    const path = this.state.parsePath('attrName');
    this.pathChecker.add(path);
    if (keyword === 'REMOVE') {
      this.actions.push({ kind: 'REMOVE', path });
      return;
    }
    if (keyword === 'SET') {
      this.state.expectPunctuation('=');
      const value = this.parseSetValue();
      this.actions.push({ kind: 'SET', path, value: value.value });
      return;
    }
    const token = this.state.peek();
    if (token.kind !== 'attributeValue') this.state.fail();
    this.state.next();
    const value = this.state.resolveValue(token.text, 'attrVal');
    this.operators++;
    if (value !== undefined) this.checkOperand(keyword, value);
    this.actions.push({ kind: keyword, path, value: value ?? { type: 'NULL', value: true } });
  }

  private checkOperand(keyword: 'ADD' | 'DELETE', value: AttributeValue): void {
    const name = wireTypeNames[value.type];
    if (name !== undefined && !(keyword === 'ADD' && value.type === 'N')) {
      this.state.record(
        'operand',
        `Incorrect operand type for operator or function; operator: ${keyword}, operand type: ${name}`,
      );
    }
  }

  private parseSetValue(): RawValue {
    const left = this.parseOperand();
    const token = this.state.peek();
    if (token.kind === 'punctuation' && (token.text === '+' || token.text === '-')) {
      this.state.next();
      const right = this.parseOperand();
      this.operators++;
      this.checkTypes(token.text, [left, right], 'N');
      return { value: { kind: token.text, left: left.value, right: right.value }, type: 'N' };
    }
    return left;
  }

  private parseOperand(): RawValue {
    const state = this.state;
    const token = state.peek();
    if (token.kind === 'attributeValue') {
      state.next();
      const value = state.resolveValue(token.text, 'attrVal') ?? { type: 'NULL', value: true };
      return { value: { kind: 'value', value }, type: value.type };
    }
    if (token.kind === 'name' && state.isPunctuation('(', 1)) return this.parseFunction();
    if (state.atPathStart()) {
      return { value: { kind: 'path', path: state.parsePath('attrName') }, type: undefined };
    }
    return state.fail();
  }

  private parseFunction(): RawValue {
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
    this.operators++;
    return this.checkFunction(name, args);
  }

  private checkFunction(name: string, args: readonly RawValue[]): RawValue {
    const placeholder: RawValue = {
      value: { kind: 'value', value: { type: 'NULL', value: true } },
      type: undefined,
    };
    if (name !== 'if_not_exists' && name !== 'list_append') {
      this.state.record('unknownFunction', `Invalid function name; function: ${name}`);
      return placeholder;
    }
    const [first, second] = args;
    if (args.length !== 2 || first === undefined || second === undefined) {
      this.state.record(
        'function',
        `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
      );
      return placeholder;
    }
    if (name === 'if_not_exists') {
      if (first.value.kind !== 'path') {
        this.state.record(
          'function',
          `Operator or function requires a document path; operator or function: ${name}`,
        );
        return placeholder;
      }
      return {
        value: { kind: 'if_not_exists', path: first.value.path, fallback: second.value },
        type: second.type,
      };
    }
    this.checkTypes(name, args, 'L');
    return { value: { kind: 'list_append', first: first.value, second: second.value }, type: 'L' };
  }

  private checkTypes(name: string, args: readonly RawValue[], expected: string): void {
    for (const arg of args) {
      // Only literal values are checked here; a function's result type is checked when applied.
      if (arg.value.kind !== 'value' || arg.type === undefined || arg.type === expected) continue;
      this.state.record(
        'function',
        `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${arg.type}`,
      );
      return;
    }
  }
}

/** Parses an UpdateExpression and returns its AST or DynamoDB's message (without prefix). */
export function parseUpdateBody(
  text: string,
  placeholders: Placeholders,
): Result<Parsed<UpdateExpression>> {
  const state = new ParserState(text, placeholders, updateKeywords);
  let actions: UpdateAction[];
  try {
    actions = new UpdateParser(state).parse();
  } catch (failure) {
    if (!(failure instanceof SyntaxFailure)) throw failure;
    return invalid(state.syntaxMessage(failure.position));
  }
  const message = state.firstError(reportOrder);
  if (message !== undefined) return invalid(message);
  return ok({ ast: { actions }, usedNames: state.usedNames, usedValues: state.usedValues });
}
