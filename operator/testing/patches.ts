/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902) for the fake API server.
 * Exported for the fake only; the operator itself sends patches, it never applies them.
 */

/** Applies a JSON merge patch: objects merge, `null` deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete result[field];
    else result[field] = applyMergePatch(result[field], value);
  }
  return result;
}

/** Applies JSON patch operations (add, replace, remove, test). */
export function applyJsonPatch(
  target: unknown,
  operations: unknown,
): { value: unknown } | { error: string } {
  if (!Array.isArray(operations)) return { error: 'JSON patch must be an array' };
  const document = target;
  for (const operation of operations as { op: string; path: string; value?: unknown }[]) {
    const pointer = operation.path
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (pointer.length === 0) return { error: 'patching the root is not supported' };
    const parent = resolve(document, pointer.slice(0, -1));
    const last = pointer[pointer.length - 1] as string;
    if (!isObject(parent) && !Array.isArray(parent))
      return { error: `path ${operation.path} not found` };
    const container = parent as Record<string, unknown>;
    switch (operation.op) {
      case 'add':
        if (Array.isArray(parent) && last === '-') parent.push(operation.value);
        else container[last] = operation.value;
        break;
      case 'replace':
        if (!(last in container)) return { error: `path ${operation.path} not found` };
        container[last] = operation.value;
        break;
      case 'remove':
        if (!(last in container)) return { error: `path ${operation.path} not found` };
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete container[last];
        break;
      case 'test':
        if (JSON.stringify(container[last]) !== JSON.stringify(operation.value)) {
          return { error: `test failed at ${operation.path}` };
        }
        break;
      default:
        return { error: `unsupported op ${operation.op}` };
    }
  }
  return { value: document };

  function resolve(root: unknown, path: string[]): unknown {
    let node = root;
    for (const part of path) {
      if (!isObject(node) && !Array.isArray(node)) return undefined;
      node = (node as Record<string, unknown>)[part];
    }
    return node;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
