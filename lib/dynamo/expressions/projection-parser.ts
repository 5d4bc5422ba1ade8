// ProjectionExpression parser: a comma-separated list of document paths, with DynamoDB's
// reserved-word, undefined-name and overlapping-path checks.

import { invalid, ok, type Result } from '../errors.js';
import {
  renderPath,
  type DocumentPath,
  type Parsed,
  type Placeholders,
  type ProjectionExpression,
} from './ast.js';
import { comparePaths, ParserState, SyntaxFailure } from './parser-state.js';

const reportOrder = ['reserved', 'attrNameVal', 'pathOverlap', 'pathConflict'];

/** Parses a ProjectionExpression and returns its AST or DynamoDB's message (without prefix). */
export function parseProjectionBody(
  text: string,
  placeholders: Placeholders,
): Result<Parsed<ProjectionExpression>> {
  const state = new ParserState(text, placeholders);
  const paths: DocumentPath[] = [];
  try {
    paths.push(state.parsePath());
    while (state.isPunctuation(',')) {
      state.next();
      paths.push(state.parsePath());
    }
    if (state.peek().kind !== 'end') state.fail();
  } catch (failure) {
    if (!(failure instanceof SyntaxFailure)) throw failure;
    return invalid(state.syntaxMessage(failure.position));
  }
  checkOverlaps(state, paths);
  const message = state.firstError(reportOrder);
  if (message !== undefined) return invalid(message);
  return ok({ ast: { paths }, usedNames: state.usedNames, usedValues: state.usedValues });
}

function checkOverlaps(state: ParserState, paths: readonly DocumentPath[]): void {
  for (let second = 1; second < paths.length; second++) {
    for (let first = 0; first < second; first++) {
      const relation = comparePaths(paths[first] as DocumentPath, paths[second] as DocumentPath);
      if (relation === 'distinct') continue;
      const verb = relation === 'overlap' ? 'overlap' : 'conflict';
      state.record(
        relation === 'overlap' ? 'pathOverlap' : 'pathConflict',
        `Two document paths ${verb} with each other; must remove or rewrite one of these paths; path one: ${renderPath(paths[first] as DocumentPath)}, path two: ${renderPath(paths[second] as DocumentPath)}`,
      );
      return;
    }
  }
}
