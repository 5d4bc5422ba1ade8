// The tokenizer shared by every expression kind. DynamoDB's lexer knows names (a letter, then
// letters, digits and underscores), `#name` and `:value` placeholders, unsigned integers (list
// indexes), and punctuation; anything else is a one-character token the parser rejects with
// DynamoDB's "Syntax error; token: …, near: …" message.

/** Token kinds. Keywords (AND, SET, …) are names the parser recognizes case-insensitively. */
export type TokenKind =
  'name' | 'attributeName' | 'attributeValue' | 'integer' | 'punctuation' | 'invalid' | 'end';

/** One token with its position in the source. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const twoCharacterPunctuation = new Set(['<>', '<=', '>=']);
const oneCharacterPunctuation = new Set(['(', ')', '[', ']', ',', '.', '=', '<', '>', '+', '-']);

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isWordCharacter(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 95;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Splits an expression into tokens, always ending with one `end` token. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const code = source.charCodeAt(index);
    if (isWhitespace(code)) {
      index++;
      continue;
    }
    const start = index;
    let kind: TokenKind;
    if (isLetter(code)) {
      kind = 'name';
      index++;
      while (index < source.length && isWordCharacter(source.charCodeAt(index))) index++;
    } else if (isDigit(code)) {
      kind = 'integer';
      while (index < source.length && isDigit(source.charCodeAt(index))) index++;
    } else if ((code === 35 || code === 58) && index + 1 < source.length) {
      // `#` and `:` only start a placeholder when a word character follows.
      index++;
      if (isWordCharacter(source.charCodeAt(index))) {
        kind = code === 35 ? 'attributeName' : 'attributeValue';
        while (index < source.length && isWordCharacter(source.charCodeAt(index))) index++;
      } else {
        kind = 'invalid';
      }
    } else if (twoCharacterPunctuation.has(source.slice(index, index + 2))) {
      kind = 'punctuation';
      index += 2;
    } else if (oneCharacterPunctuation.has(source[index] as string)) {
      kind = 'punctuation';
      index++;
    } else {
      kind = 'invalid';
      // Keep a surrogate pair together so the message quotes a whole character.
      index += code >= 0xd800 && code <= 0xdbff && index + 1 < source.length ? 2 : 1;
    }
    tokens.push({ kind, text: source.slice(start, index), start, end: index });
  }
  tokens.push({ kind: 'end', text: '<EOF>', start: source.length, end: source.length });
  return tokens;
}

/**
 * DynamoDB's syntax error text for the token at `position`: the token itself and, as "near",
 * the source from the previous token through the next one.
 */
export function syntaxErrorMessage(
  source: string,
  tokens: readonly Token[],
  position: number,
): string {
  const token = tokens[position] as Token;
  const previous = position > 0 ? (tokens[position - 1] as Token) : token;
  const next = tokens[Math.min(position + 1, tokens.length - 1)] as Token;
  const near = source.slice(previous.start, Math.max(token.end, next.end));
  return `Syntax error; token: "${token.text}", near: "${near}"`;
}
