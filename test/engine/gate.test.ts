import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GateConfig } from '../../src/config/schema.js';
import { evaluateGate } from '../../src/engine/gate.js';
import type { CiSignal } from '../../src/domain/signals.js';

const gate = (overrides: Partial<GateConfig> = {}): GateConfig => ({
  checks: [], statuses: [], workflows: [], checkSuites: null, timeoutMs: 3_600_000, ...overrides,
});

const signal = (kind: CiSignal['kind'], name: string, state: CiSignal['state'], conclusion: string | null = state === 'pending' ? null : state, app: string | null = null): CiSignal => ({
  repo: 'acme/web', sha: 'a'.repeat(40), kind, name, app, state, conclusion, url: null, order: [1, 0, 2], receivedAt: 1,
});

test('a gate opens when every required signal passed; neutral and skipped count as passing', () => {
  const verdict = evaluateGate(gate({ checks: ['build', 'test'], statuses: ['ci/jenkins'], workflows: ['CI'] }), [
    signal('check_run', 'build', 'success', 'neutral'),
    signal('check_run', 'test', 'success', 'skipped'),
    signal('status', 'ci/jenkins', 'success'),
    signal('workflow_run', 'CI', 'success'),
    signal('check_run', 'lint', 'failure'),
  ]);
  assert.equal(verdict.state, 'open');
  assert.equal(verdict.summary, '4 required signals passed');
  assert.deepEqual(verdict.requirements.map((r) => `${r.kind}:${r.name}:${r.state}`), [
    'check_run:build:passed', 'check_run:test:passed', 'status:ci/jenkins:passed', 'workflow_run:CI:passed',
  ]);
});

test('a gate waits for missing and pending signals, naming them', () => {
  const verdict = evaluateGate(gate({ checks: ['build', 'test'], statuses: ['ci/jenkins'] }), [
    signal('check_run', 'build', 'success'),
    signal('check_run', 'test', 'pending', 'in_progress'),
  ]);
  assert.equal(verdict.state, 'waiting');
  assert.equal(verdict.summary, 'waiting for check test (in_progress), status ci/jenkins (missing)');
});

test('any required failure fails the gate, naming the failing check, even while others wait', () => {
  const verdict = evaluateGate(gate({ checks: ['build', 'test'], statuses: ['ci/jenkins'] }), [
    signal('check_run', 'test', 'failure', 'timed_out'),
    signal('status', 'ci/jenkins', 'failure', 'error'),
  ]);
  assert.equal(verdict.state, 'failed');
  assert.equal(verdict.summary, 'check test failed (timed_out); status ci/jenkins failed (error)');
});

test('checkSuites: all needs at least one suite and every suite to pass; a list names apps', () => {
  assert.equal(evaluateGate(gate({ checkSuites: 'all' }), []).state, 'waiting');
  const suites = [signal('check_suite', '1', 'success', 'success', 'github-actions'), signal('check_suite', '2', 'pending', null, 'circleci')];
  const all = evaluateGate(gate({ checkSuites: 'all' }), suites);
  assert.equal(all.state, 'waiting');
  assert.equal(all.summary, 'waiting for check suite circleci suite 2 (pending)');
  assert.equal(evaluateGate(gate({ checkSuites: ['github-actions'] }), suites).state, 'open');
  assert.equal(evaluateGate(gate({ checkSuites: ['buildkite'] }), suites).summary, 'waiting for check suite buildkite suite (missing)');
  const failing = [...suites, signal('check_suite', '3', 'failure', 'cancelled', 'github-actions')];
  assert.equal(evaluateGate(gate({ checkSuites: 'all' }), failing).summary, 'check suite github-actions suite 3 failed (cancelled)');
});
