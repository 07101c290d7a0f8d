#!/usr/bin/env node
// Replays the parts of ../shared/casbin-conformance that need no API calls (builtin-function rows,
// and cases with only enforce checks, optionally after setup operations we can map) against npm
// casbin, and prints every disagreement with the Go reference. Its output is the evidence behind
// the "npm casbin vs the Go reference" list in docs/policy-benchmarks.md, and tells the
// differential generator which constructs to leave out.
//   node Tests/oracle/conformance.js [path/to/casbin-conformance]
'use strict';

const path = require('path');
const fs = require('fs');
const vm = require('vm');
const casbin = require('casbin');

// Some inputs make npm casbin loop forever (keyMatch2 with an empty ':' name); a time limit per
// call turns that into a reported disagreement instead of a hung script.
function limited(fn, args) {
  const ctx = vm.createContext({ fn, args, out: undefined });
  new vm.Script('out = fn(...args)').runInContext(ctx, { timeout: 2000 });
  return ctx.out;
}

const suiteDir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', '..', 'shared', 'casbin-conformance'));
const builtins = casbin.FunctionMap.loadFunctionMap().getFunctions();
const suite = JSON.parse(fs.readFileSync(path.join(suiteDir, 'cases.json'), 'utf8'));

let fnPass = 0;
const fnFail = [];
for (const row of suite.functions) {
  const fn = builtins.get(row.name);
  if (!fn) { fnFail.push(`${row.name}: missing in npm casbin`); continue; }
  let got;
  let threw = false;
  try { got = limited(fn, row.args); } catch (e) { threw = true; got = String(e.message || e); }
  const ok = row.expect_error ? threw : !threw && got === row.expect;
  if (ok) fnPass++;
  else fnFail.push(`${row.name}(${row.args.map((a) => JSON.stringify(a)).join(', ')}): go=${row.expect_error ? 'error' : JSON.stringify(row.expect)} npm=${threw ? 'error ' + got : JSON.stringify(got)}`);
}

async function runCase(c) {
  const modelText = c.model_text !== undefined ? c.model_text : fs.readFileSync(path.join(suiteDir, c.model), 'utf8');
  const model = casbin.newModelFromString(modelText);
  const e = c.policy ? await casbin.newEnforcer(model, new casbin.FileAdapter(path.join(suiteDir, c.policy))) : await casbin.newEnforcer(model);
  for (const op of c.setup || []) {
    if (op.op === 'EnableAcceptJsonRequest') e.enableAcceptJsonRequest(op.args[0]);
    else if (op.op === 'AddNamedMatchingFunc') { await e.addNamedMatchingFunc(op.args[0], builtins.get(op.args[1])); await e.buildRoleLinks(); }
    else if (op.op === 'AddNamedDomainMatchingFunc') { await e.addNamedDomainMatchingFunc(op.args[0], builtins.get(op.args[1])); await e.buildRoleLinks(); }
    else if (op.op === 'AddPolicy') await e.addPolicy(...(Array.isArray(op.args[0]) ? op.args[0] : op.args));
    else if (op.op === 'AddGroupingPolicy') await e.addGroupingPolicy(...(Array.isArray(op.args[0]) ? op.args[0] : op.args));
    else if (op.op === 'AddPermissionForUser') await e.addPermissionForUser(...op.args);
    else if (op.op === 'AddRoleForUser') await e.addRoleForUser(...op.args);
    else return { skipped: `setup ${op.op}` };
  }
  const fails = [];
  for (const chk of c.enforce || []) {
    if (chk.expect === undefined && !chk.expect_error) continue;
    let args = chk.request;
    if (chk.context) args = [new casbin.EnforceContext(chk.context.r, chk.context.p, chk.context.e, chk.context.m), ...args];
    let got;
    let threw = false;
    try { got = limited((...a) => e.enforceSync(...a), args); } catch (err) { threw = true; got = String(err.message || err); }
    const ok = chk.expect_error ? threw : !threw && got === chk.expect;
    if (!ok) fails.push(`${JSON.stringify(chk.request)}: go=${chk.expect_error ? 'error' : chk.expect} npm=${threw ? 'error ' + got : got}`);
  }
  return { fails, checks: (c.enforce || []).length };
}

(async () => {
  let casePass = 0;
  let checks = 0;
  const caseFail = [];
  const skipped = [];
  for (const c of suite.cases) {
    if (c.steps || c.load_error) { skipped.push(`${c.name} (${c.steps ? 'steps' : 'load_error'})`); continue; }
    if (!c.enforce || c.enforce.length === 0) { continue; }
    let r;
    try { r = await runCase(c); } catch (err) { caseFail.push(`${c.name}: load failed in npm casbin: ${err.message}`); continue; }
    if (r.skipped) { skipped.push(`${c.name} (${r.skipped})`); continue; }
    checks += r.checks;
    if (r.fails.length === 0) casePass++;
    else caseFail.push(`${c.name} [${(c.tags || []).join(',')}]:\n    ${r.fails.join('\n    ')}`);
  }
  const pkg = require('casbin/package.json');
  console.log(`npm casbin ${pkg.version} vs casbin-conformance ${suite.upstream.commit}`);
  console.log(`functions: ${fnPass} agree, ${fnFail.length} disagree`);
  for (const f of fnFail) console.log(`  ${f}`);
  console.log(`enforce-only cases: ${casePass} agree (${checks} checks), ${caseFail.length} disagree, ${skipped.length} not replayed`);
  for (const f of caseFail) console.log(`  ${f}`);
  console.log(`not replayed: ${skipped.join(', ')}`);
})();
