// Node stand-in for k6's `k6` module.
export function check(value, checks) {
  return Object.values(checks).every((predicate) => predicate(value));
}

export function fail(message) {
  throw new Error(message);
}
