// Shared harness of the screen tests: a scripted API behind setFetch and
// a render inside a fresh QueryClient.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { setFetch } from '../api/client';

/** Call is one request the screen made. */
export type Call = { method: string; url: string; body: unknown; headers: Record<string, string> };

/** Reply is a scripted answer: a JSON body, or raw text, with extra headers. */
export type Reply = { status: number; body?: unknown; text?: string; headers?: Record<string, string> };

/** Route answers one request (its JSON body parsed). */
export type Route = (method: string, url: string, body: unknown, headers: Record<string, string>) => Reply;

/**
 * server makes route answer every API request from now on and returns the
 * list of the requests made, in order, which grows as the screen calls.
 */
export function server(route: Route): Call[] {
  const calls: Call[] = [];
  setFetch((async (url: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const body = init?.body ? JSON.parse(init.body as string) : undefined;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ method, url: String(url), body, headers });
    const r = route(method, String(url), body, headers);
    const text = r.text ?? (r.body === undefined ? null : JSON.stringify(r.body));
    return new Response(text, { status: r.status, headers: { 'Content-Type': 'application/json', ...r.headers } });
  }) as unknown as typeof fetch);
  return calls;
}

/** wrap renders ui with a fresh QueryClient that never retries. */
export function wrap(ui: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{ui}</QueryClientProvider>);
}
