// HTTP client for the SkyLedger API. Relative /api paths only, so one build
// runs behind the local runtime, the Vite dev proxy and CloudFront alike.
import { getSession, setSession } from '../session';
import { setSuspended, TENANT_SUSPENDED } from './suspension';

/** ErrorBody is the API's error envelope (the Error schema of docs/openapi.yaml). */
export interface ErrorBody {
  error: { code: string; message: string; details?: { field?: string; [k: string]: unknown } | null };
}

/** ApiError is a non-2xx answer. field is details.field when the server named one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly details?: Record<string, unknown>;
  /**
   * authFailure: the credentials are gone — a 401, or the gateway's own 403
   * when the authorizer refused the key (API Gateway answers an authorizer
   * denial with 403 {"message":"Forbidden"}; a handler's 403 has no
   * top-level "message"). A deactivated user or a revoked key ends here.
   */
  readonly authFailure: boolean;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown> | null, authFailure = status === 401) {
    super(message);
    this.authFailure = authFailure;
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details ?? undefined;
    const f = details?.field;
    this.field = typeof f === 'string' && f !== '' ? f : undefined;
  }
}

/**
 * fieldMessage strips the "field: " prefix the server puts before a
 * validation message (FieldError.Error()), since the UI shows the message
 * next to that field already.
 */
export function fieldMessage(err: ApiError): string {
  if (err.field && err.message.startsWith(err.field + ': ')) return err.message.slice(err.field.length + 2);
  return err.message;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** auth=false sends no Authorization header and does not log out on 401 (login, bootstrap). */
  auth?: boolean;
  /** noSignOut: a 401 does not clear the session (logout clears it itself). */
  noSignOut?: boolean;
  signal?: AbortSignal;
}

let fetchImpl: typeof fetch = (...a) => fetch(...a);
/** setFetch replaces fetch (tests). */
export function setFetch(f: typeof fetch): void {
  fetchImpl = f;
}

/**
 * send performs one request and returns the Response of a 2xx or 304; any
 * other answer throws an ApiError decoded from the error envelope. A 401
 * (or the gateway's 403) on an authenticated request clears the session,
 * which sends the app back to the login screen (a deactivated user, a
 * revoked or expired key); the tenant_suspended flag follows the answer.
 */
async function send(path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const auth = opts.auth !== false;
  const session = getSession();
  if (auth && session) headers.Authorization = `Bearer ${session.key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetchImpl(path, { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection.');
  }
  if (res.ok || res.status === 304) {
    if (auth && session) setSuspended(false);
    return res;
  }
  const eb = parseJSON(await res.text()) as (ErrorBody & { message?: unknown }) | undefined;
  const gatewayDenied = res.status === 403 && typeof eb?.message === 'string';
  const authFailure = res.status === 401 || gatewayDenied;
  if (authFailure && auth && session && !opts.noSignOut) setSession(null);
  if (auth && session && res.status === 403 && eb?.error?.code === TENANT_SUSPENDED) setSuspended(true);
  if (eb?.error && typeof eb.error.message === 'string') {
    throw new ApiError(res.status, eb.error.code ?? 'error', eb.error.message, eb.error.details as Record<string, unknown>, authFailure);
  }
  const msg = typeof eb?.message === 'string' ? eb.message : `Request failed (${res.status} ${res.statusText})`.trim();
  throw new ApiError(res.status, 'http_' + res.status, msg, undefined, authFailure);
}

/** parseJSON decodes a body, undefined when it is empty or not JSON. */
function parseJSON(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * api performs one request (see send) and returns the decoded JSON body
 * (undefined for 204 and 304).
 */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204 || res.status === 304) return undefined as T;
  return parseJSON(await res.text()) as T;
}

/**
 * apiBlob downloads a non-JSON answer (an export) with the Bearer key, which
 * a plain link cannot send. Errors are decoded like api's (see send).
 */
export async function apiBlob(path: string, accept: string): Promise<{ blob: Blob; headers: Headers }> {
  const res = await send(path, { headers: { Accept: accept } });
  return { blob: await res.blob(), headers: res.headers };
}
