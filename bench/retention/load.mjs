// Sends signed `pull_request` deliveries to a slipway at a steady rate and prints the
// latency of each acknowledgement as JSON: node load.mjs URL SECRET RATE SECONDS
import { Agent, request } from 'node:http';
import { buildPayload, sign, staticHeaders } from '../ingest/payload.mjs';

const [url, secret, rate, seconds] = process.argv.slice(2);
const body = buildPayload();
const headers = { ...staticHeaders(sign(secret, body)), 'Content-Length': String(body.length) };
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const prefix = Math.random().toString(16).slice(2, 10);
const latencies = [];
let failures = 0;

function send(n) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${url}/webhooks/github`, { method: 'POST', agent, headers: { ...headers, 'X-GitHub-Delivery': `${prefix}-${n}` } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 202) latencies.push(performance.now() - started);
        else failures += 1;
        resolve();
      });
    });
    req.on('error', () => {
      failures += 1;
      resolve();
    });
    req.end(body);
  });
}

const total = Number(rate) * Number(seconds);
const start = performance.now();
const inFlight = [];
for (let n = 0; n < total; n++) {
  // An open loop: each request leaves at its time, whatever the answers before it did.
  const due = start + (n * 1000) / Number(rate);
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  inFlight.push(send(n));
}
await Promise.all(inFlight);
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
console.log(JSON.stringify({ sent: total, ok: latencies.length, failures, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN }));
