// A small stand-in for the GitHub runner: executes a composite action's steps the way the
// runner does, so tests exercise action.yml itself, not a copy of its logic.
//
//   node tests/ci/run_action.mjs ACTION_DIR [--input NAME=VALUE]... [--outputs FILE]
//
// What it emulates: inputs with defaults and `required`; `${{ }}` expressions over inputs,
// steps.<id>.outputs, env, runner and github (property access, string/number/boolean literals,
// == != && || ! and parentheses, success()/failure()/always()); `if:`; `env:`; a fresh
// GITHUB_OUTPUT file per step parsed as the runner does (key=value and key<<DELIM); GITHUB_PATH
// and GITHUB_ENV carried to later steps; `shell: bash` as `bash --noprofile --norc -e -o
// pipefail FILE`. actions/cache/restore and actions/cache/save are emulated with a directory
// ($SIM_CACHE_DIR/KEY). The environment of this process plays the runner's (RUNNER_OS,
// RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_STEP_SUMMARY, ...).
// Exit status: 0 when every step passed, else the exit code of the first failed step.
// The action's outputs are written as JSON to --outputs FILE.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const require = createRequire(import.meta.url);
const root = new URL("../../", import.meta.url).pathname;
const yaml = require(`${root}node_modules/js-yaml`);

const args = process.argv.slice(2);
const actionDir = resolve(args.shift());
const given = {};
let outputsFile = null;
while (args.length) {
  const a = args.shift();
  if (a === "--input") {
    const kv = args.shift();
    const eq = kv.indexOf("=");
    given[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else if (a === "--outputs") {
    outputsFile = args.shift();
  } else {
    console.error(`run_action: unknown argument ${a}`);
    process.exit(2);
  }
}

const action = yaml.load(readFileSync(join(actionDir, "action.yml"), "utf8"));
const inputs = {};
for (const [name, spec] of Object.entries(action.inputs || {})) {
  if (name in given) inputs[name] = given[name];
  else if (spec.required) {
    console.log(`::error::Input required and not supplied: ${name}`);
    process.exit(1);
  } else inputs[name] = spec.default === undefined ? "" : String(spec.default);
}
for (const name of Object.keys(given)) {
  if (!(name in inputs)) console.log(`##[warning]Unexpected input(s) '${name}'`);
}

// --- expressions ----------------------------------------------------------------------------
function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "&&", "||"].includes(two)) { tokens.push({ t: "op", v: two }); i += 2; continue; }
    if ("!().,[]".includes(c)) { tokens.push({ t: "op", v: c }); i++; continue; }
    if (c === "'") {
      let j = i + 1, s = "";
      for (;;) {
        if (j >= src.length) throw new Error(`unterminated string in ${src}`);
        if (src[j] === "'") { if (src[j + 1] === "'") { s += "'"; j += 2; continue; } break; }
        s += src[j++];
      }
      tokens.push({ t: "str", v: s }); i = j + 1; continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_-]*|^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (!m) throw new Error(`cannot parse expression ${src} at ${src.slice(i)}`);
    tokens.push({ t: /^[-\d]/.test(m[0]) ? "num" : "id", v: m[0] });
    i += m[0].length;
  }
  return tokens;
}

function evaluate(src, ctx) {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const eat = (v) => {
    if (!tokens[p] || tokens[p].v !== v) throw new Error(`expected ${v} in ${src}`);
    p++;
  };
  const truthy = (x) => !(x === "" || x === null || x === undefined || x === false || x === 0);
  function primary() {
    const tok = tokens[p++];
    if (!tok) throw new Error(`unexpected end of ${src}`);
    if (tok.t === "str") return tok.v;
    if (tok.t === "num") return Number(tok.v);
    if (tok.v === "(") { const v = or(); eat(")"); return v; }
    if (tok.v === "!") return !truthy(primary());
    if (tok.t === "id") {
      if (tok.v === "true") return true;
      if (tok.v === "false") return false;
      if (tok.v === "null") return null;
      if (peek() && peek().v === "(") {
        eat("("); eat(")");
        if (tok.v === "success") return !ctx.failed;
        if (tok.v === "failure") return ctx.failed;
        if (tok.v === "always") return true;
        throw new Error(`function ${tok.v}() is not emulated`);
      }
      let value = ctx.contexts[tok.v];
      if (value === undefined) throw new Error(`unknown context ${tok.v} in ${src}`);
      while (peek() && (peek().v === "." || peek().v === "[")) {
        if (tokens[p++].v === ".") value = value == null ? undefined : value[tokens[p++].v];
        else { const key = or(); eat("]"); value = value == null ? undefined : value[key]; }
      }
      return value === undefined ? "" : value;
    }
    throw new Error(`unexpected ${tok.v} in ${src}`);
  }
  function cmp() {
    let left = primary();
    while (peek() && (peek().v === "==" || peek().v === "!=")) {
      const op = tokens[p++].v;
      const right = primary();
      const eq = String(left).toLowerCase() === String(right).toLowerCase();
      left = op === "==" ? eq : !eq;
    }
    return left;
  }
  function and() {
    let left = cmp();
    while (peek() && peek().v === "&&") { p++; const right = cmp(); left = truthy(left) ? right : left; }
    return left;
  }
  function or() {
    let left = and();
    while (peek() && peek().v === "||") { p++; const right = and(); left = truthy(left) ? left : right; }
    return left;
  }
  const v = or();
  if (p !== tokens.length) throw new Error(`trailing tokens in ${src}`);
  return v;
}

const render = (value, ctx) =>
  String(value).replace(/\$\{\{(.*?)\}\}/g, (_, expr) => {
    const v = evaluate(expr, ctx);
    return v === null || v === undefined ? "" : String(v);
  });

function parseOutputFile(file) {
  const out = {};
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body = [];
      i++;
      while (i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i++]);
      if (i >= lines.length) throw new Error(`unterminated ${heredoc[2]} in ${file}`);
      out[heredoc[1]] = body.join("\n");
    } else {
      const eq = line.indexOf("=");
      if (eq < 0) throw new Error(`malformed output line: ${line}`);
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

// --- steps ------------------------------------------------------------------------------------
const work = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), "sim-runner-"));
const steps = {};
const env = { ...process.env, GITHUB_ACTIONS: "true", GITHUB_ACTION_PATH: actionDir };
const extraPath = [];
const ctx = {
  failed: false,
  contexts: {
    inputs,
    steps,
    env,
    runner: { os: env.RUNNER_OS, arch: env.RUNNER_ARCH, temp: env.RUNNER_TEMP, tool_cache: env.RUNNER_TOOL_CACHE },
    github: {
      action_path: actionDir, action_repository: env.GITHUB_ACTION_REPOSITORY || "",
      action_ref: env.GITHUB_ACTION_REF || "", token: env.SIM_GITHUB_TOKEN || "",
      repository: env.GITHUB_REPOSITORY || "", ref: env.GITHUB_REF || "",
    },
  },
};
// Input defaults may be expressions (token: ${{ github.token }}), evaluated like the runner does.
for (const [name, spec] of Object.entries(action.inputs || {})) {
  if (!(name in given) && spec.default !== undefined) inputs[name] = render(spec.default, ctx);
}
let exitCode = 0;
let index = 0;
for (const step of action.runs.steps) {
  index++;
  const id = step.id || `__step${index}`;
  const condition = step.if === undefined ? "success()" : String(step.if).replace(/^\$\{\{(.*)\}\}$/s, "$1");
  let run;
  try {
    run = evaluate(/success\(\)|failure\(\)|always\(\)/.test(condition) ? condition : `success() && (${condition})`, ctx);
  } catch (e) {
    console.log(`::error::step ${id}: ${e.message}`);
    process.exit(2);
  }
  if (!(run === true || (run && run !== "" && run !== 0))) {
    steps[id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
    continue;
  }
  const outputFile = join(work, `output-${index}`);
  writeFileSync(outputFile, "");
  const stepEnv = { ...env, GITHUB_OUTPUT: outputFile, GITHUB_ACTION: id };
  stepEnv.PATH = [...extraPath, env.PATH].join(":");
  for (const [k, v] of Object.entries(step.env || {})) stepEnv[k] = render(v, ctx);
  let code = 0;
  let outputs = {};
  if (step.run !== undefined) {
    if (step.shell !== "bash") throw new Error(`step ${id}: only shell: bash is emulated`);
    const script = join(work, `step-${index}.sh`);
    writeFileSync(script, render(step.run, ctx));
    const pathFile = join(work, `path-${index}`);
    const envFile = join(work, `env-${index}`);
    writeFileSync(pathFile, "");
    writeFileSync(envFile, "");
    stepEnv.GITHUB_PATH = pathFile;
    stepEnv.GITHUB_ENV = envFile;
    const cwd = step["working-directory"] ? render(step["working-directory"], ctx) : process.cwd();
    const r = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", script], { env: stepEnv, cwd, stdio: "inherit" });
    code = r.status === null ? 128 : r.status;
    for (const line of readFileSync(pathFile, "utf8").split("\n")) if (line) extraPath.unshift(line);
    Object.assign(env, parseOutputFile(envFile));
    outputs = parseOutputFile(outputFile);
  } else if (step.uses) {
    const w = Object.fromEntries(Object.entries(step.with || {}).map(([k, v]) => [k, render(v, ctx)]));
    const store = process.env.SIM_CACHE_DIR;
    if (/^actions\/cache\/restore@[0-9a-f]{40}$/.test(step.uses)) {
      const saved = store && join(store, w.key);
      if (saved && existsSync(saved)) {
        mkdirSync(w.path, { recursive: true });
        cpSync(saved, w.path, { recursive: true });
        console.log(`Cache restored from key: ${w.key}`);
        outputs = { "cache-hit": "true", "cache-primary-key": w.key, "cache-matched-key": w.key };
      } else {
        console.log(`Cache not found for input keys: ${w.key}`);
        outputs = { "cache-hit": "false", "cache-primary-key": w.key };
      }
    } else if (/^actions\/cache\/save@[0-9a-f]{40}$/.test(step.uses)) {
      if (store && !existsSync(join(store, w.key))) {
        cpSync(w.path, join(store, w.key), { recursive: true });
        console.log(`Cache saved with key: ${w.key}`);
      }
    } else {
      console.log(`::error::step ${id}: ${step.uses} is not emulated`);
      code = 2;
    }
  }
  steps[id] = { outputs, outcome: code ? "failure" : "success", conclusion: code ? "failure" : "success" };
  if (code && !step["continue-on-error"]) {
    ctx.failed = true;
    if (!exitCode) exitCode = code;
  }
}

const result = {};
for (const [name, spec] of Object.entries(action.outputs || {})) result[name] = render(spec.value, ctx);
if (outputsFile) writeFileSync(outputsFile, JSON.stringify(result, null, 2));
rmSync(work, { recursive: true, force: true });
process.exit(exitCode);
