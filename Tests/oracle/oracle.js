#!/usr/bin/env node
// The reference Casbin (npm `casbin`) as a live oracle for DataVault's differential tests.
//
// A C# test starts this process once per run and sends it jobs, one JSON object per line on stdin;
// each job gets exactly one JSON line back on stdout, in order. stderr is for diagnostics only.
//
// Job:
//   {"id": 7,
//    "model": "<model .conf text>", "policy": "<policy csv text>" | null,
//    "functions": ["jurisdictionWithin"],            // custom functions, by name, from ./functions.js
//    "matchingFuncs": [{"ptype": "g", "fn": "keyMatch2", "domain": false}],  // role/domain patterns
//    "acceptJson": false,                            // EnableAcceptJsonRequest
//    "context": {"r": "r2", "p": "p2", "e": "e2", "m": "m2"},                // optional
//    "explain": false,
//    "requests": [["alice", "data1", "read"], ...]}
// Reply:
//   {"id": 7, "decisions": "1001...", "errors": {"12": "message"}, "explain": [[...], ...]}
//   One character per request: 1 allowed, 0 denied, E the enforce call threw (message in errors).
//   A job whose model or policy does not load replies {"id": 7, "loadError": "message"}.
// A job {"op": "version"} replies {"casbin": "<version>", "node": "<version>"}.
'use strict';

const casbin = require('casbin');
const customFunctions = require('./functions');

const builtins = casbin.FunctionMap.loadFunctionMap().getFunctions();

async function buildEnforcer(job) {
  const model = casbin.newModelFromString(job.model);
  const enforcer = job.policy === null || job.policy === undefined || job.policy === ''
    ? await casbin.newEnforcer(model)
    : await casbin.newEnforcer(model, new casbin.StringAdapter(job.policy));
  for (const name of job.functions || []) {
    const fn = customFunctions[name];
    if (!fn) throw new Error(`unknown custom function '${name}' (add it to Tests/oracle/functions.js)`);
    await enforcer.addFunction(name, fn);
  }
  for (const m of job.matchingFuncs || []) {
    const fn = builtins.get(m.fn) || customFunctions[m.fn];
    if (!fn) throw new Error(`unknown matching function '${m.fn}'`);
    if (m.domain) await enforcer.addNamedDomainMatchingFunc(m.ptype, fn);
    else await enforcer.addNamedMatchingFunc(m.ptype, fn);
  }
  if (job.matchingFuncs && job.matchingFuncs.length > 0) await enforcer.buildRoleLinks();
  if (job.acceptJson) enforcer.enableAcceptJsonRequest(true);
  return enforcer;
}

async function runJob(job) {
  if (job.op === 'version') {
    const pkg = require('casbin/package.json');
    return { id: job.id, casbin: pkg.version, node: process.versions.node };
  }
  let enforcer;
  try {
    enforcer = await buildEnforcer(job);
  } catch (err) {
    return { id: job.id, loadError: String(err && err.message ? err.message : err) };
  }
  const context = job.context
    ? new casbin.EnforceContext(job.context.r, job.context.p, job.context.e, job.context.m)
    : null;
  const requests = job.requests || [];
  const out = new Array(requests.length);
  const errors = {};
  const explain = job.explain ? new Array(requests.length) : null;
  let anyError = false;
  for (let i = 0; i < requests.length; i++) {
    const args = context ? [context, ...requests[i]] : requests[i];
    try {
      // enforceSync: same decision path as enforce(), without a promise per request. A matcher
      // that calls an async custom function would need enforce(); ours are all synchronous.
      if (explain) {
        const [ok, rule] = enforcer.enforceExSync(...args);
        out[i] = ok ? '1' : '0';
        explain[i] = rule;
      } else {
        out[i] = enforcer.enforceSync(...args) ? '1' : '0';
      }
    } catch (err) {
      out[i] = 'E';
      errors[i] = String(err && err.message ? err.message : err);
      if (explain) explain[i] = [];
      anyError = true;
    }
  }
  const reply = { id: job.id, decisions: out.join('') };
  if (anyError) reply.errors = errors;
  if (explain) reply.explain = explain;
  return reply;
}

function main() {
  let buffer = '';
  let chain = Promise.resolve();
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      chain = chain.then(async () => {
        let reply;
        try {
          reply = await runJob(JSON.parse(line));
        } catch (err) {
          reply = { id: null, protocolError: String(err && err.message ? err.message : err) };
        }
        process.stdout.write(JSON.stringify(reply) + '\n');
      });
    }
  });
  process.stdin.on('end', () => {
    chain.then(() => process.exit(0));
  });
}

main();
