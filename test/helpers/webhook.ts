import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { sign } from '../../src/ingest/signature.js';
import { SECRET } from './service.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

/** A raw HTTP request with node:http, so tests control every header and byte. */
export function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface Delivery {
  event: string;
  payload: unknown;
  id?: string;
  secret?: string;
  form?: boolean;
  headers?: Record<string, string>;
}

/** POSTs a payload signed the way GitHub signs it. */
export function deliver(baseUrl: string, delivery: Delivery): Promise<Answer & { id: string }> {
  const id = delivery.id ?? randomUUID();
  const json = JSON.stringify(delivery.payload);
  const body = Buffer.from(delivery.form ? `payload=${encodeURIComponent(json)}` : json);
  return send(`${baseUrl}/webhooks/github`, {
    body,
    headers: {
      'content-type': delivery.form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-github-event': delivery.event,
      'x-github-delivery': id,
      'x-hub-signature-256': sign(delivery.secret ?? SECRET, body),
      'user-agent': 'GitHub-Hookshot/test',
      ...delivery.headers,
    },
  }).then((answer) => ({ ...answer, id }));
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
