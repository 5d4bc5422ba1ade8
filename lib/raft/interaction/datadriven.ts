// A small reader and writer for data-driven test files in the style of
// cockroachdb/datadriven, which etcd's raft uses for its interaction tests:
//
//   # comment
//   command arg key=value
//   ----
//   expected output
//   (a blank line ends the case)
//
// With `rewrite`, the expected output is replaced by the actual output, so a behaviour
// change shows up as a reviewable diff of the test file.

/** One command with its expected output. */
export interface DataDrivenCase {
  /** 1-based line of the command in the file. */
  line: number;
  /** Comment and blank lines that precede the command, kept verbatim on rewrite. */
  preamble: string[];
  command: string;
  expected: string;
}

/** Parses a test file into cases. */
export function parseDataDriven(text: string): DataDrivenCase[] {
  const lines = text.split('\n');
  const cases: DataDrivenCase[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.startsWith('#')) {
      preamble.push(line);
      i++;
      continue;
    }
    const commandLine = i + 1;
    const command = line.trim();
    i++;
    if (lines[i] !== '----')
      throw new Error(`datadriven: line ${commandLine}: expected ---- after the command`);
    i++;
    const output: string[] = [];
    while (i < lines.length && (lines[i] as string) !== '') {
      output.push(lines[i] as string);
      i++;
    }
    cases.push({ line: commandLine, preamble, command, expected: output.join('\n') });
    preamble = [];
  }
  return cases;
}

/** Renders cases back into a file, with `actual` outputs in place of the expected ones. */
export function renderDataDriven(
  cases: readonly DataDrivenCase[],
  actual: readonly string[],
): string {
  const parts: string[] = [];
  cases.forEach((testCase, index) => {
    const preamble = testCase.preamble.filter((line, position) => position > 0 || line !== '');
    if (index > 0) parts.push('');
    parts.push(...preamble.filter((line) => line !== ''));
    parts.push(testCase.command, '----');
    const output = (actual[index] ?? '').trimEnd();
    parts.push(output === '' ? 'ok' : output);
  });
  return `${parts.join('\n')}\n`;
}

/** Splits a command into its name, positional arguments and key=value arguments. */
export function parseCommand(command: string): {
  name: string;
  positional: string[];
  options: Map<string, string>;
} {
  const [name, ...rest] = command.split(/\s+/);
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (const token of rest) {
    const equals = token.indexOf('=');
    if (equals > 0) options.set(token.slice(0, equals), token.slice(equals + 1));
    else positional.push(token);
  }
  return { name: name ?? '', positional, options };
}
