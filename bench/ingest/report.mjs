// Prints the results table, the checks, the ratios against the peers and the goals.

// Above this much CPU outside the server and wrk, a run is flagged (a build next door?).
const NOISY_OTHER_CPU = 40;

const ms = (us) => (us / 1000).toFixed(2);
const pct = (v) => (v === null || v === undefined ? '-' : v.toFixed(0));

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Prints everything; returns false when a check failed (goals are reported, not checked). */
export function printResults({ results, checks, connections }) {
  console.log('\n== results (req/s counts 2xx answers only; latency over all answers)\n');
  if (results.length === 0) console.log('no results');
  else {
    table([
      ['peer', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'sock err c/r/w/t', 'cpu% srv', 'wrk', 'other', 'host'],
      ...results.map((r) => [
        r.peer, r.connections, Math.round(r.reqPerSec), ms(r.p50Us), ms(r.p99Us), ms(r.maxUs), r.non2xx,
        `${r.errors.connect}/${r.errors.read}/${r.errors.write}/${r.errors.timeout}`,
        pct(r.cpu.server), pct(r.cpu.wrk), pct(r.cpu.other), pct(r.cpu.host),
      ]),
    ]);
    console.log('cpu% = % of one core (the machine has cores x 100); srv includes reaped children;');
    console.log('other = the rest of the host: other processes and kernel work (disk, loopback)');
    const noisy = results.filter((r) => r.cpu.other > NOISY_OTHER_CPU);
    for (const r of noisy) {
      console.log(`!!! NOISY: ${r.peer} at ${r.connections} connections ran while ${pct(r.cpu.other)}% CPU went elsewhere; rerun it`);
    }
  }

  console.log('\n== checks\n');
  let allPassed = true;
  for (const c of checks) {
    const rejected = c.badSignatureStatus >= 300;
    allPassed &&= rejected;
    console.log(`${c.peer.padEnd(8)} wrong signature rejected: ${rejected ? 'PASS' : 'FAIL'} (HTTP ${c.badSignatureStatus})`);
    if (c.rows === undefined) continue;
    const ok = c.rows >= c.acked;
    allPassed &&= ok;
    console.log(`${c.peer.padEnd(8)} stored rows ${c.rows} vs 2xx answers ${c.acked}: ` +
      (ok ? `OK (${c.rows - c.acked} stored but unanswered when wrk stopped)` : `!!! MISMATCH: ${c.acked - c.rows} acknowledged deliveries are missing !!!`));
  }

  const rate = (peer, c) => results.find((r) => r.peer === peer && r.connections === c);
  const ratio = (a, b, c) => {
    const x = rate(a, c);
    const y = rate(b, c);
    if (!x || !y) return `n/a (${!x ? a : b} not measured)`;
    return `${(x.reqPerSec / y.reqPerSec).toFixed(2)}x  (${Math.round(x.reqPerSec)} / ${Math.round(y.reqPerSec)} req/s)`;
  };

  console.log('\n== ratios (req/s)\n');
  for (const c of connections) {
    console.log(`${c} connections`);
    for (const [a, b] of [['slipway', 'probot'], ['slipway', 'webhook'], ['slipway', 'plain'], ['plain', 'probot'], ['plain', 'webhook']]) {
      console.log(`  ${`${a}/${b}`.padEnd(16)} ${ratio(a, b, c)}`);
    }
  }

  console.log('\n== goals\n');
  const goal = (text, met, detail) => console.log(`${met === null ? 'n/a    ' : met ? 'MET    ' : 'NOT MET'}  ${text}: ${detail}`);
  for (const [peer, factor] of [['probot', 1.2], ['webhook', 2]]) {
    const s = rate('slipway', 64);
    const p = rate(peer, 64);
    goal(`slipway >= ${factor}x ${peer} at 64 connections`, s && p ? s.reqPerSec >= factor * p.reqPerSec : null,
      ratio('slipway', peer, 64));
  }
  const s16 = rate('slipway', 16);
  goal('slipway p99 <= 10 ms at 16 connections', s16 ? s16.p99Us <= 10_000 : null,
    s16 ? `p99 ${ms(s16.p99Us)} ms` : 'n/a (slipway at 16 connections not measured)');
  return allPassed;
}
