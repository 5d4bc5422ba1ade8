// What every expression parser shares: a cursor over the tokens, syntax failures that carry
// the offending token, placeholder resolution with "used" tracking, and DynamoDB's rule that
// of several semantic problems the one of the highest-ranked category is reported.

import type { AttributeValue } from '../attribute-value.js';
import { renderPath, type DocumentPath, type PathElement, type Placeholders } from './ast.js';
import { isReservedWord } from './reserved-words.js';
import { syntaxErrorMessage, tokenize, type Token } from './tokenizer.js';

/** Thrown inside a parser to abandon the parse at a token; never escapes the parser. */
export class SyntaxFailure {
  constructor(readonly position: number) {}
}

/** The keywords of condition expressions. */
export const conditionKeywords: ReadonlySet<string> = new Set([
  'AND',
  'OR',
  'NOT',
  'BETWEEN',
  'IN',
]);

/** The keywords of update expressions. */
export const updateKeywords: ReadonlySet<string> = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);

/** Parentheses and NOT may nest at most this deep (DynamoDB's own limit is not documented). */
export const nestingDepthMax = 256;

/** The largest list index DynamoDB accepts in a document path. */
const listIndexMax = 2 ** 31 - 1;

/** Parsing state for one expression. */
export class ParserState {
  readonly tokens: Token[];
  position = 0;
  /** First message per category; the parser reports the highest-ranked category. */
  errors = new Map<string, string>();
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    readonly source: string,
    private readonly placeholders: Placeholders,
    /** Words the grammar uses as keywords; they can never be attribute names. */
    private readonly keywords: ReadonlySet<string> = conditionKeywords,
  ) {
    this.tokens = tokenize(source);
  }

  /** Current recursion depth; bounded so hostile input cannot exhaust the stack. */
  depth = 0;

  /** Enters one level of nesting, failing at the current token past the limit. */
  enter(): void {
    if (++this.depth > nestingDepthMax) this.fail();
  }

  /** Leaves one level of nesting. */
  leave(): void {
    this.depth--;
  }

  /** The current token. */
  peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as Token;
  }

  /** Consumes and returns the current token. */
  next(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  /** Abandons the parse at the current token. */
  fail(): never {
    throw new SyntaxFailure(this.position);
  }

  /** True when the current token is the punctuation `text`. */
  isPunctuation(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'punctuation' && token.text === text;
  }

  /** True when the current token is the keyword `word` (any letter case). */
  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'name' && token.text.toUpperCase() === word;
  }

  /** True when `token` is one of this grammar's keywords. */
  isKeywordToken(token: Token): boolean {
    return token.kind === 'name' && this.keywords.has(token.text.toUpperCase());
  }

  /** Consumes the punctuation `text` or fails. */
  expectPunctuation(text: string): void {
    if (!this.isPunctuation(text)) this.fail();
    this.next();
  }

  /** Consumes the keyword `word` or fails. */
  expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.fail();
    this.next();
  }

  /** Records a semantic error unless its category already has one. */
  record(category: string, message: string): void {
    if (!this.errors.has(category)) this.errors.set(category, message);
  }

  /** The message of the first category in `order` that has an error. */
  firstError(order: readonly string[]): string | undefined {
    for (const category of order) {
      const message = this.errors.get(category);
      if (message !== undefined) return message;
    }
    return undefined;
  }

  /** DynamoDB's syntax error message for a failure at `position`. */
  syntaxMessage(position: number): string {
    return syntaxErrorMessage(this.source, this.tokens, position);
  }

  /** Resolves `#name`, recording DynamoDB's error when it is not defined. */
  resolveName(placeholder: string, category = 'attrNameVal'): string {
    const names = this.placeholders.names;
    if (names !== undefined && Object.hasOwn(names, placeholder)) {
      this.usedNames.add(placeholder);
      return names[placeholder] as string;
    }
    this.record(
      category,
      `An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`,
    );
    return placeholder;
  }

  /** Resolves `:value`, recording DynamoDB's error when it is not defined. */
  resolveValue(placeholder: string, category = 'attrNameVal'): AttributeValue | undefined {
    const values = this.placeholders.values;
    if (values !== undefined && Object.hasOwn(values, placeholder)) {
      this.usedValues.add(placeholder);
      return values[placeholder];
    }
    this.record(
      category,
      `An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
    );
    return undefined;
  }

  /** True when the current token can start a document path. */
  atPathStart(): boolean {
    const token = this.peek();
    return token.kind === 'name' || token.kind === 'attributeName';
  }

  /**
   * Parses a document path `a.#b[2].c`. Bare names are checked against the reserved words;
   * `nameCategory` is where an undefined `#name` is recorded.
   */
  parsePath(nameCategory = 'attrNameVal'): DocumentPath {
    const path: PathElement[] = [this.parsePathName(nameCategory)];
    for (;;) {
      if (this.isPunctuation('.')) {
        this.next();
        path.push(this.parsePathName(nameCategory));
      } else if (this.isPunctuation('[')) {
        this.next();
        const index = this.peek();
        if (index.kind !== 'integer') this.fail();
        const value = Number(index.text);
        if (!Number.isSafeInteger(value) || value > listIndexMax) this.fail();
        this.next();
        this.expectPunctuation(']');
        path.push(value);
      } else {
        return path;
      }
    }
  }

  private parsePathName(nameCategory: string): string {
    const token = this.peek();
    if (token.kind === 'attributeName') {
      this.next();
      return this.resolveName(token.text, nameCategory);
    }
    if (token.kind !== 'name' || this.keywords.has(token.text.toUpperCase())) this.fail();
    this.next();
    if (isReservedWord(token.text)) {
      this.record(
        'reserved',
        `Attribute name is a reserved keyword; reserved keyword: ${token.text}`,
      );
    }
    return token.text;
  }
}

/** Paths overlap (one is a prefix of the other) or conflict (a name where an index is). */
export function comparePaths(
  first: DocumentPath,
  second: DocumentPath,
): 'overlap' | 'conflict' | 'distinct' {
  const length = Math.min(first.length, second.length);
  for (let index = 0; index < length; index++) {
    if (typeof first[index] !== typeof second[index]) return 'conflict';
    if (first[index] !== second[index]) return 'distinct';
  }
  return 'overlap';
}

/**
 * DynamoDB's overlap and conflict checks for the paths of an update or projection, with its
 * quirks: the latest conflict is the one reported, an overlap stops all further checks, and a
 * path that only conflicts is still remembered.
 */
export class PathChecker {
  private readonly paths: DocumentPath[] = [];

  constructor(private readonly state: ParserState) {}

  /** Checks `path` against the paths seen before it, then remembers it. */
  add(path: DocumentPath): void {
    if (this.state.errors.has('pathOverlap')) return;
    for (const earlier of this.paths) {
      const relation = comparePaths(earlier, path);
      if (relation === 'distinct') continue;
      const message = `Two document paths ${relation} with each other; must remove or rewrite one of these paths; path one: ${renderPath(earlier)}, path two: ${renderPath(path)}`;
      if (relation === 'conflict') {
        this.state.errors.set('pathConflict', message);
        continue;
      }
      this.state.record('pathOverlap', message);
      return;
    }
    this.paths.push(path);
  }
}
