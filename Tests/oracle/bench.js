#!/usr/bin/env node
// The reference side of the `policy-vs-casbin` bench command (Tests/Benchmarks/Policy/SideBySideCommand.cs):
// loads the same model and policy files as our engine, decides the same requests, prints one JSON line.
//   node bench.js MODEL POLICY|- REQUESTS.jsonl SECONDS
// REQUESTS.jsonl holds one JSON array per line (strings, or objects for ABAC). Requests are decided in
// order, cycling, until SECONDS have passed (at least one full pass when it is short, at least one request).
'use strict';

const fs = require('fs');
const casbin = require('casbin');

async function main() {
  const [modelPath, policyPath, requestsPath, secondsText] = process.argv.slice(2);
  const seconds = Number(secondsText || '2');
  const requests = fs.readFileSync(requestsPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));

  const load = async () => (policyPath === '-' ? casbin.newEnforcer(modelPath) : casbin.newEnforcer(modelPath, policyPath));
  let t0 = process.hrtime.bigint();
  const enforcer = await load();
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  // Reload of the same files into the existing enforcer (Casbin's LoadPolicy).
  t0 = process.hrtime.bigint();
  await enforcer.loadPolicy();
  const reloadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  // Warm-up: one pass over at most 200 requests, so the matcher is compiled and memoised once.
  for (let i = 0; i < Math.min(requests.length, 200); i++) enforcer.enforceSync(...requests[i]);

  const decisions = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let n = 0;
  t0 = process.hrtime.bigint();
  for (;;) {
    const ok = enforcer.enforceSync(...requests[n % requests.length]);
    if (n < requests.length) decisions.push(ok ? '1' : '0');
    n++;
    if ((n & 15) === 0 || n < 16) {
      if (process.hrtime.bigint() >= deadline) break;
    }
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const pkg = require('casbin/package.json');
  process.stdout.write(JSON.stringify({
    casbin: pkg.version,
    node: process.versions.node,
    loadMs,
    reloadMs,
    decisionsRun: n,
    seconds: elapsed,
    perSecond: n / elapsed,
    decisions: decisions.join(''),
    heapUsedMb: process.memoryUsage().heapUsed / 1048576,
  }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
