/**
 * A small evaluator for the subset of CEL that the TesseraCluster CRD's
 * `x-kubernetes-validations` rules use, so tests can check the rules against sample
 * resources without an API server: `self`/`oldSelf`, field access, `has()`, `.size()`,
 * integer, string and boolean literals, `! - * / % + < <= > >= == != && || ?:` and
 * parentheses. Anything else is a parse error (the test then fails loudly).
 */

type Value = unknown;

interface Token {
  kind: 'number' | 'string' | 'identifier' | 'operator' | 'end';
  text: string;
}

const operators = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '!',
  '?',
  ':',
  '(',
  ')',
  '.',
  '+',
  '-',
  '*',
  '/',
  '%',
  ',',
];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index] as string;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const rest = source.slice(index);
    const number = /^[0-9]+/.exec(rest);
    const identifier = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    const string = /^'([^'\\]*)'|^"([^"\\]*)"/.exec(rest);
    const operator = operators.find((candidate) => rest.startsWith(candidate));
    if (number) tokens.push({ kind: 'number', text: number[0] });
    else if (identifier) tokens.push({ kind: 'identifier', text: identifier[0] });
    else if (string) tokens.push({ kind: 'string', text: string[1] ?? string[2] ?? '' });
    else if (operator) tokens.push({ kind: 'operator', text: operator });
    else throw new Error(`CEL: unexpected ${char} in ${source}`);
    index += (number?.[0] ?? identifier?.[0] ?? string?.[0] ?? operator ?? '').length;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

/** A parsed expression: a function of the variables. */
type Node = (scope: Record<string, Value>) => Value;

const binaryPrecedence: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

/** Compiles a CEL expression of the supported subset. */
export function compileCel(source: string): (scope: Record<string, Value>) => Value {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position] as Token;
  const take = () => tokens[position++] as Token;
  const expect = (text: string) => {
    const token = take();
    if (token.text !== text) throw new Error(`CEL: expected ${text} in ${source}`);
  };

  function conditional(): Node {
    const test = binary(1);
    if (peek().text !== '?') return test;
    take();
    const whenTrue = conditional();
    expect(':');
    const whenFalse = conditional();
    return (scope) => (truthy(test(scope)) ? whenTrue(scope) : whenFalse(scope));
  }

  function binary(minimum: number): Node {
    let left = unary();
    for (;;) {
      const operator = peek().text;
      const precedence = peek().kind === 'operator' ? binaryPrecedence[operator] : undefined;
      if (precedence === undefined || precedence < minimum) return left;
      take();
      const right = binary(precedence + 1);
      const leftNode = left;
      left = (scope) => applyBinary(operator, leftNode, right, scope);
    }
  }

  function unary(): Node {
    if (peek().text === '!') {
      take();
      const operand = unary();
      return (scope) => !truthy(operand(scope));
    }
    if (peek().text === '-') {
      take();
      const operand = unary();
      return (scope) => -(operand(scope) as number);
    }
    return postfix(primary());
  }

  function primary(): Node {
    const token = take();
    if (token.kind === 'number') return () => Number(token.text);
    if (token.kind === 'string') return () => token.text;
    if (token.text === '(') {
      const inner = conditional();
      expect(')');
      return inner;
    }
    if (token.kind === 'identifier') {
      if (token.text === 'true' || token.text === 'false') return () => token.text === 'true';
      if (token.text === 'has') {
        expect('(');
        const path = selectPath();
        expect(')');
        return (scope) => hasField(scope, path);
      }
      const name = token.text;
      return (scope) => {
        if (!(name in scope)) throw new Error(`CEL: unknown variable ${name}`);
        return scope[name];
      };
    }
    throw new Error(`CEL: unexpected ${token.text} in ${source}`);
  }

  function postfix(node: Node): Node {
    let current = node;
    while (peek().text === '.') {
      take();
      const field = take().text;
      const target = current;
      if (peek().text === '(') {
        take();
        expect(')');
        if (field !== 'size') throw new Error(`CEL: unsupported method ${field}`);
        current = (scope) => sizeOf(target(scope));
      } else {
        current = (scope) => {
          const value = target(scope);
          if (typeof value !== 'object' || value === null || !(field in value)) {
            throw new Error(`CEL: no such key: ${field}`);
          }
          return (value as Record<string, Value>)[field];
        };
      }
    }
    return current;
  }

  function selectPath(): string[] {
    const path = [take().text];
    while (peek().text === '.') {
      take();
      path.push(take().text);
    }
    return path;
  }

  const root = conditional();
  if (peek().kind !== 'end') throw new Error(`CEL: trailing input in ${source}`);
  return root;
}

function hasField(scope: Record<string, Value>, path: string[]): boolean {
  let value: Value = scope[path[0] as string];
  for (const field of path.slice(1)) {
    if (typeof value !== 'object' || value === null || !(field in value)) return false;
    value = (value as Record<string, Value>)[field];
  }
  return true;
}

function sizeOf(value: Value): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  throw new Error('CEL: size() of a scalar');
}

function truthy(value: Value): boolean {
  if (typeof value !== 'boolean')
    throw new Error(`CEL: expected a bool, got ${JSON.stringify(value)}`);
  return value;
}

function applyBinary(
  operator: string,
  left: Node,
  right: Node,
  scope: Record<string, Value>,
): Value {
  if (operator === '&&') return truthy(left(scope)) && truthy(right(scope));
  if (operator === '||') return truthy(left(scope)) || truthy(right(scope));
  const a = left(scope);
  const b = right(scope);
  switch (operator) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b);
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b);
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
    case '+':
      return (a as number) + (b as number);
    case '-':
      return (a as number) - (b as number);
    case '*':
      return (a as number) * (b as number);
    case '/':
      return Math.trunc((a as number) / (b as number)); // CEL integer division
    case '%':
      return (a as number) % (b as number);
    default:
      throw new Error(`CEL: unsupported operator ${operator}`);
  }
}
