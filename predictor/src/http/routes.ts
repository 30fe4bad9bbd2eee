/**
 * The HTTP API's URL grammar, shaped like TensorFlow Serving's REST API:
 * `/v1/models/{name}[/versions/{version}][:verb]`. Pure: parsing and method checks only.
 */

export type ModelAction = 'status' | 'predict' | 'pin' | 'unpin' | 'rollback';

export interface ModelRoute {
  action: ModelAction;
  model: string;
  /** The version the path names (`/versions/7`), else null. */
  version: number | null;
}

export type RouteOutcome = { ok: true; route: ModelRoute } | { ok: false; status: 400 | 404 | 405; message: string; allow?: string };

const VERBS: Readonly<Record<string, Exclude<ModelAction, 'status'>>> = {
  predict: 'predict',
  pin: 'pin',
  unpin: 'unpin',
  rollback: 'rollback',
};

export const ROUTE_LIST =
  'GET /v1/models/{name}, GET /v1/models/{name}/versions/{v}, POST /v1/models/{name}[/versions/{v}]:predict, POST /v1/models/{name}:pin|:unpin|:rollback';

/** Parses a version as it appears in a path or a body: a whole number >= 1, as digits or a JSON number. */
export function parseVersion(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 1 ? raw : null;
  if (typeof raw === 'string' && /^[1-9][0-9]{0,15}$/.test(raw)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Maps a request's method and URL to a model route, or to the status and message that refuse it. */
export function parseRoute(method: string, url: string): RouteOutcome {
  const path = url.split('?', 1)[0] as string;
  const notFound = (message: string): RouteOutcome => ({ ok: false, status: 404, message });
  const prefix = '/v1/models/';
  if (!path.startsWith(prefix) || path.length === prefix.length) {
    return notFound(`no route ${method} ${path}; routes: ${ROUTE_LIST}`);
  }
  const segments = path.slice(prefix.length).split('/');
  // The verb follows the last segment after a colon; model names themselves may not hold one.
  const last = segments[segments.length - 1] as string;
  const colon = last.indexOf(':');
  const verbText = colon === -1 ? null : last.slice(colon + 1);
  segments[segments.length - 1] = colon === -1 ? last : last.slice(0, colon);

  const name = decodeSegment(segments[0] as string);
  if (name === null) return { ok: false, status: 400, message: `model name ${JSON.stringify(segments[0])} is not valid URL encoding` };
  if (name === '') return notFound(`no model name in ${path}; routes: ${ROUTE_LIST}`);

  let version: number | null = null;
  if (segments.length === 3 && segments[1] === 'versions') {
    const rawVersion = decodeSegment(segments[2] as string) ?? (segments[2] as string);
    version = parseVersion(rawVersion);
    if (version === null) {
      return { ok: false, status: 400, message: `version ${JSON.stringify(rawVersion)} is not a version number (1, 2, ...)` };
    }
  } else if (segments.length === 3 && segments[1] === 'labels') {
    return notFound(`version labels are not supported (${path}); name a version: /v1/models/${name}/versions/{v}`);
  } else if (segments.length !== 1) {
    return notFound(`no route ${method} ${path}; routes: ${ROUTE_LIST}`);
  }

  let action: ModelAction;
  if (verbText === null) {
    action = 'status';
  } else {
    const verb = VERBS[verbText];
    if (verb === undefined) {
      return notFound(`unknown verb ":${verbText}" in ${path}; verbs: :${Object.keys(VERBS).join(', :')}`);
    }
    action = verb;
  }
  if (version !== null && action !== 'status' && action !== 'predict') {
    return notFound(
      `:${action} takes no version in the path; send POST /v1/models/${name}:${action} with {"version": ${version}} as the body`,
    );
  }

  const expected = action === 'status' ? 'GET' : 'POST';
  if (method !== expected) {
    return { ok: false, status: 405, message: `${method} is not allowed on ${path}; use ${expected}`, allow: expected };
  }
  return { ok: true, route: { action, model: name, version } };
}
