import type { GateConfig } from '../config/schema.js';
import type { CiSignal, SignalKind } from '../domain/signals.js';

export const REQUIREMENT_STATES = ['passed', 'pending', 'failed', 'missing'] as const;
export type RequirementState = (typeof REQUIREMENT_STATES)[number];

/** One signal a gate requires, and what is known of it. */
export interface Requirement {
  kind: SignalKind;
  /** The check name, status context, workflow name, or `<app> suite <id>` for check suites. */
  name: string;
  state: RequirementState;
  /** As GitHub reported it (`failure`, `timed_out`, `pending`…); null when missing. */
  conclusion: string | null;
  url: string | null;
}

export interface GateVerdict {
  /** `open` when every requirement passed, `failed` when one failed, else `waiting`. */
  state: 'open' | 'waiting' | 'failed';
  requirements: Requirement[];
  /** For the timeline and errors: `check test failed (timed_out)`, `waiting for status ci/jenkins (missing)`. */
  summary: string;
}

const KIND_NAMES: Record<SignalKind, string> = {
  check_run: 'check',
  check_suite: 'check suite',
  status: 'status',
  workflow_run: 'workflow',
};

function fromSignal(signal: CiSignal, name = signal.name): Requirement {
  const state = signal.state === 'success' ? 'passed' : signal.state === 'failure' ? 'failed' : 'pending';
  return { kind: signal.kind, name, state, conclusion: signal.conclusion ?? signal.state, url: signal.url };
}

const missing = (kind: SignalKind, name: string): Requirement => ({ kind, name, state: 'missing', conclusion: null, url: null });

function byName(kind: SignalKind, names: string[], signals: CiSignal[]): Requirement[] {
  return names.map((name) => {
    const found = signals.find((signal) => signal.kind === kind && signal.name === name);
    return found === undefined ? missing(kind, name) : fromSignal(found);
  });
}

function suites(wanted: 'all' | string[], signals: CiSignal[]): Requirement[] {
  const all = signals.filter((signal) => signal.kind === 'check_suite');
  const named = (signal: CiSignal) => fromSignal(signal, `${signal.app ?? 'unknown app'} suite ${signal.name}`);
  if (wanted === 'all') return all.length === 0 ? [missing('check_suite', 'any check suite')] : all.map(named);
  return wanted.flatMap((app) => {
    const own = all.filter((signal) => signal.app === app);
    return own.length === 0 ? [missing('check_suite', `${app} suite`)] : own.map(named);
  });
}

const describe = (r: Requirement) => `${KIND_NAMES[r.kind]} ${r.name} (${r.conclusion ?? r.state})`;

/** Whether a commit may deploy: every required signal must have passed. Pure. */
export function evaluateGate(gate: GateConfig, signals: CiSignal[]): GateVerdict {
  const requirements = [
    ...byName('check_run', gate.checks, signals),
    ...byName('status', gate.statuses, signals),
    ...byName('workflow_run', gate.workflows, signals),
    ...(gate.checkSuites === null ? [] : suites(gate.checkSuites, signals)),
  ];
  const failed = requirements.filter((r) => r.state === 'failed');
  if (failed.length > 0) {
    return { state: 'failed', requirements, summary: failed.map((r) => `${KIND_NAMES[r.kind]} ${r.name} failed (${r.conclusion ?? 'failure'})`).join('; ') };
  }
  const open = requirements.filter((r) => r.state === 'pending' || r.state === 'missing');
  if (open.length > 0) {
    return { state: 'waiting', requirements, summary: `waiting for ${open.map(describe).join(', ')}` };
  }
  const count = requirements.length;
  return { state: 'open', requirements, summary: `${count} required signal${count === 1 ? '' : 's'} passed` };
}
