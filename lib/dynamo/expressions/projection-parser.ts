// ProjectionExpression parser: a comma-separated list of document paths, with DynamoDB's
// reserved-word, undefined-name and overlapping-path checks.

import { invalid, ok, type Result } from '../errors.js';
import {
  type DocumentPath,
  type Parsed,
  type Placeholders,
  type ProjectionExpression,
} from './ast.js';
import { ParserState, PathChecker, SyntaxFailure } from './parser-state.js';

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
  const checker = new PathChecker(state);
  for (const path of paths) checker.add(path);
  const message = state.firstError(reportOrder);
  if (message !== undefined) return invalid(message);
  return ok({ ast: { paths }, usedNames: state.usedNames, usedValues: state.usedValues });
}
