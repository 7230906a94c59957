import { BadRequestError } from '../../core/errors.js';

/**
 * The routing both HTTP APIs share (the stats API, app/stats/api.ts, and the account API, app/accounts/api.ts): a
 * route is a method and a pattern of literal and `:name` segments under /api.
 */

/** A path's segments under /api, percent-decoded; a malformed escape is a 400. */
export function pathParts(path: string): string[] {
  try {
    return path
      .replace(/^\/api\/?/, '')
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
  } catch {
    throw new BadRequestError('the path is not valid percent-encoding');
  }
}

/** The path's `:name` values if `pattern` matches the path's segments, else undefined. */
function matchPattern(pattern: string, parts: readonly string[]): Record<string, string> | undefined {
  const segments = pattern.split('/').filter(Boolean);
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  const matches = segments.every((seg, i) => {
    if (seg.startsWith(':')) params[seg.slice(1)] = parts[i]!;
    return seg.startsWith(':') || seg === parts[i];
  });
  return matches ? params : undefined;
}

/**
 * The route for a method and a path's segments, with the values of its `:name` segments; for a path some route has
 * under other methods only, those methods (the 405's `Allow`, RFC 9110 §15.5.6).
 */
export function findRoute<R extends { method: string; pattern: string }>(
  routes: readonly R[],
  method: string,
  parts: readonly string[],
): { route: R; params: Record<string, string> } | { allow: string[] } | undefined {
  const allow: string[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, parts);
    if (params === undefined) continue;
    if (route.method === method) return { route, params };
    if (!allow.includes(route.method)) allow.push(route.method);
  }
  return allow.length > 0 ? { allow } : undefined;
}
