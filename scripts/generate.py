#!/usr/bin/python3
"""Writes the CI entry points from one table of each tool's inputs, so the five GitHub actions
and the GitLab templates cannot drift apart:

    action.yml, validate/action.yml, compare/action.yml, drift/action.yml, release/action.yml
    .gitlab-ci-templates/lean-mlops.gitlab-ci.yml        hidden jobs .ml-validate, ... (variables)
    .gitlab-ci-templates/{validate,compare,drift,release}.gitlab-ci.yml   spec: inputs templates
    scripts/ship/ci-run.sh         the section mapping each input to the tool's arguments
    docs/github.md, docs/gitlab.md the input tables

    scripts/generate.py            rewrite them
    scripts/generate.py --check    exit 1 when a committed file differs (tests/ci/test_lint.py)

Each input reaches scripts/ship/ci-run.sh as the variable LEAN_<TOOL>_<NAME>; no value is ever
placed inside a script.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CACHE_ACTION = "actions/cache/{}@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3"
REPO = "lean-mlops/lean-mlops"
ARGS = ("args", "ARGS", "Extra arguments, quoted as in a shell ('single', \"double\", backslash); split, never expanded.", False)

# tool -> (summary, [(input, VARIABLE, description, required)], [(output, description)])
TOOLS = {
    "validate": ("Fail the job when a model's metrics miss their thresholds (ml-validate).", [
        ("metrics", "METRICS", "Metrics JSON file(s), one per line (globs allowed); merged.", False),
        ("require", "REQUIRE", "Checks, one per line, e.g. accuracy >= 0.85 (mean(accuracy) >= 0.85 with history).", False),
        ("policy", "POLICY", "JSON policy file {\"require\": [...]}.", False),
        ("history", "HISTORY", "JSON Lines history of metrics, for aggregate checks such as mean(accuracy).", False),
        ("window", "WINDOW", "With history: only the last N records count.", False),
        ("min-count", "MIN_COUNT", "With history: fewest records accepted (default: the window).", False),
        ("allow-missing", "ALLOW_MISSING", "true: skip a check whose metric is missing instead of failing with exit 3.", False),
        ("mlflow-run", "MLFLOW_RUN", "An MLflow file-store run folder (mlruns/<experiment>/<run_id>) as the metrics.", False),
        ("predictions", "PREDICTIONS", "Compute the metrics from this predictions CSV or Parquet file (y_true, y_pred, y_score...) as scikit-learn does; a path or s3://BUCKET/KEY.", False),
        ("task", "TASK", "With predictions: auto, binary, multiclass or regression.", False),
        ("label-column", "LABEL_COLUMN", "With predictions: the true labels (default y_true).", False),
        ("prediction-column", "PREDICTION_COLUMN", "With predictions: the predictions (default y_pred).", False),
        ("score-column", "SCORE_COLUMN", "With predictions: the binary score (default y_score).", False),
        ("weight-column", "WEIGHT_COLUMN", "With predictions: sample weights.", False),
        ("pos-label", "POS_LABEL", "With predictions: the positive label of a binary task.", False),
        ("average", "AVERAGE", "With predictions: binary, macro, micro or weighted.", False),
        ("slice-by", "SLICE_BY", "With predictions: also compute every metric per value of this column.", False),
        ("require-slices", "REQUIRE_SLICES", "With slice-by: checks every slice must pass, one per line.", False),
        ("min-slice-size", "MIN_SLICE_SIZE", "With slice-by: only slices of at least N rows are checked (default 30).", False),
        ("prometheus", "PROMETHEUS", "Gate on live metrics: a Prometheus query API URL (Prometheus, Thanos, Mimir, VictoriaMetrics); credentials from PROMETHEUS_TOKEN or PROMETHEUS_USER/PROMETHEUS_PASSWORD.", False),
        ("query", "QUERY", "With prometheus: NAME=PROMQL queries, one per line; each value is metric NAME.", False),
        ("at", "AT", "With prometheus: evaluation time (RFC 3339 or Unix seconds; default: now).", False),
        ("range", "RANGE", "With prometheus: evaluate over the last DURATION (e.g. 24h); checks aggregate, e.g. max(error_rate) < 0.05.", False),
        ("step", "STEP", "With range: the resolution (default: 5m).", False),
        ("max-gap", "MAX_GAP", "With range: missing points up to this long are not a gap (default: 0).", False),
        ("require-complete", "REQUIRE_COMPLETE", "With range: true to fail the gate on a gap in the data.", False),
        ("write-metrics", "WRITE_METRICS", "With predictions or prometheus: write the computed (or queried) metrics JSON here (for ml-compare).", False),
        ("endpoint-url", "ENDPOINT_URL", "s3:// inputs: S3 endpoint for MinIO, R2, Ceph (default: $AWS_ENDPOINT_URL); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", False),
        ("region", "REGION", "s3:// inputs: S3 region (default: $AWS_REGION).", False),
        ("ca-bundle", "CA_BUNDLE", "PEM file of the CAs to trust for https (s3:// inputs, a private CA).", False),
    ], [("passed", "number of checks passed"), ("failed", "number of checks failed")]),
    "compare": ("Promote a candidate model only when it beats the production baseline (ml-compare).", [
        ("candidate", "CANDIDATE", "Metrics JSON of the new model (or candidate-predictions).", False),
        ("metric", "METRIC", "The primary metric, e.g. accuracy or eval.f1.", True),
        ("baseline", "BASELINE", "Metrics JSON of the model in production (a missing file follows if-no-baseline).", False),
        ("baseline-registry", "BASELINE_REGISTRY", "Take the baseline from this ml-release registry (with model and channel).", False),
        ("model", "MODEL", "Model name in the registry (with baseline-registry).", False),
        ("channel", "CHANNEL", "Registry channel of the baseline, e.g. production (with baseline-registry).", False),
        ("min-delta", "MIN_DELTA", "Promote when candidate >= baseline + X.", False),
        ("min-rel-delta", "MIN_REL_DELTA", "Promote when candidate >= baseline + X * |baseline|.", False),
        ("direction", "DIRECTION", "auto (from the metric's name), higher or lower: which way the metric improves.", False),
        ("guard", "GUARD", "Metrics that may regress by at most TOL, one per line: PATH[:TOL] (TOL absolute or N%).", False),
        ("if-no-baseline", "IF_NO_BASELINE", "promote or fail when there is no baseline yet (default: promote for a missing baseline file, fail for a model or channel missing from the registry).", False),
        ("candidate-predictions", "CANDIDATE_PREDICTIONS", "Instead of candidate: the new model's predictions (CSV or Parquet; a path or s3://BUCKET/KEY).", False),
        ("baseline-predictions", "BASELINE_PREDICTIONS", "The production model's predictions (CSV or Parquet) on the same examples.", False),
        ("id-column", "ID_COLUMN", "Pair the two predictions files by this column (default: by row order).", False),
        ("significance", "SIGNIFICANCE", "Promote only when the gain is significant: p < ALPHA, e.g. 0.05.", False),
        ("test", "TEST", "auto, mcnemar, delong, paired-t or bootstrap.", False),
        ("bootstrap-samples", "BOOTSTRAP_SAMPLES", "Resamples of the paired bootstrap (default 10000).", False),
        ("seed", "SEED", "The bootstrap's seed (default fixed).", False),
        ("label-column", "LABEL_COLUMN", "With predictions: the true labels (default y_true).", False),
        ("prediction-column", "PREDICTION_COLUMN", "With predictions: the predictions (default y_pred).", False),
        ("score-column", "SCORE_COLUMN", "With predictions: the binary score (default y_score).", False),
        ("weight-column", "WEIGHT_COLUMN", "With predictions: sample weights.", False),
        ("pos-label", "POS_LABEL", "With predictions: the positive label of a binary task.", False),
        ("endpoint-url", "ENDPOINT_URL", "s3:// inputs: S3 endpoint for MinIO, R2, Ceph (default: $AWS_ENDPOINT_URL); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", False),
        ("region", "REGION", "s3:// inputs: S3 region (default: $AWS_REGION).", False),
        ("ca-bundle", "CA_BUNDLE", "PEM file of the CAs to trust for https (s3:// inputs, a private CA).", False),
    ], [("decision", "promote or keep")]),
    "drift": ("Detect data drift between reference and current CSVs, with an HTML report (ml-drift).", [
        ("reference", "REFERENCE", "Reference data (the training data): CSV (.csv.gz and .tsv too) or Parquet (a file or a dataset folder); a path or s3://BUCKET/KEY (s3://BUCKET/PREFIX/ for a dataset).", False),
        ("current", "CURRENT", "Current data (production data), as reference.", False),
        ("columns", "COLUMNS", "Only these columns, one per line or comma-separated.", False),
        ("exclude", "EXCLUDE", "Leave these columns out, one per line or comma-separated.", False),
        ("categorical", "CATEGORICAL", "Treat these columns as categorical.", False),
        ("numeric", "NUMERIC", "Treat these columns as numeric.", False),
        ("numeric-method", "NUMERIC_METHOD", "auto, ks, wasserstein, psi, jensenshannon, chi2 or ztest.", False),
        ("categorical-method", "CATEGORICAL_METHOD", "auto, chi2, psi, jensenshannon or ztest.", False),
        ("threshold", "THRESHOLD", "Drift threshold: one number for every method, or per method and column, e.g. ks=0.01,psi=0.25,age=0.001 (a p-value threshold below 1).", False),
        ("drift-share", "DRIFT_SHARE", "Dataset drift when at least this share of columns drifted (default 0.5).", False),
        ("correction", "CORRECTION", "none, bonferroni or fdr: corrects p-values only (not distances); the output names the columns it applied to.", False),
        ("threads", "THREADS", "Worker threads.", False),
        ("delimiter", "DELIMITER", "Field delimiter (default: comma; tab for .tsv).", False),
        ("html", "HTML", "Write the self-contained HTML report to this path.", False),
        ("openmetrics", "OPENMETRICS", "Write the scores as OpenMetrics text to this path.", False),
        ("pushgateway", "PUSHGATEWAY", "Push the scores to this Prometheus Pushgateway URL.", False),
        ("changed", "CHANGED", "Data-change trigger: files, one per line (globs allowed); exit 1 when any changed since state.", False),
        ("state", "STATE", "State JSON of the data-change trigger.", False),
        ("quality", "QUALITY", "true: also run the data-quality checks (columns, type, missing, range, categories, constant, empty, duplicates); a failed check fails the gate.", False),
        ("schema", "SCHEMA", "Check the current data against this schema JSON (ml-drift schema writes one); implies the quality checks, reference optional.", False),
        ("fail-on-new-columns", "FAIL_ON_NEW_COLUMNS", "true: a column the reference (or schema) lacks fails the quality gate.", False),
        ("max-missing-increase", "MAX_MISSING_INCREASE", "Quality: most a column's missing share may grow over the reference's (default 0.05).", False),
        ("max-missing", "MAX_MISSING", "Quality: per-column missing limits, one per line or comma-separated: age=0, income=0.1.", False),
        ("max-out-of-range", "MAX_OUT_OF_RANGE", "Quality: most share of values outside the reference's range (default 0.01).", False),
        ("max-new-categories", "MAX_NEW_CATEGORIES", "Quality: most share of values in categories the reference lacks (default 0.01).", False),
        ("rows-ratio", "ROWS_RATIO", "Quality: allowed current / reference rows, MIN:MAX (off unless given).", False),
        ("max-duplicate-increase", "MAX_DUPLICATE_INCREASE", "Quality: most the duplicated-row share may grow over the reference's (default 0.01).", False),
        ("unique", "UNIQUE", "Quality: columns that must have no duplicate values, one per line or comma-separated.", False),
        ("endpoint-url", "ENDPOINT_URL", "s3:// inputs: S3 endpoint for MinIO, R2, Ceph (default: $AWS_ENDPOINT_URL); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", False),
        ("region", "REGION", "s3:// inputs: S3 region (default: $AWS_REGION).", False),
        ("ca-bundle", "CA_BUNDLE", "PEM file of the CAs to trust for https (s3:// inputs, a private CA).", False),
    ], [("drift", "true when the dataset drifted"), ("drifted-columns", "number of drifted columns"),
        ("tested-columns", "number of columns tested"), ("drift-share", "drifted / tested columns"),
        ("quality", "with quality or schema: pass or fail"), ("quality-checks", "with quality or schema: number of checks"),
        ("quality-failed", "with quality or schema: number of failed checks"),
        ("changed-files", "with changed: how many files changed")]),
    "release": ("Publish, promote, roll back and fetch models in a registry on a folder, S3, GitHub Releases or GitLab (ml-release).", [
        ("command", "COMMAND", "publish, promote, rollback, list, show, fetch, verify, history, gc or diff.", True),
        ("registry", "REGISTRY", "Registry URL: a path, file:///..., s3://BUCKET/PREFIX, github://OWNER/REPO or gitlab://GROUP/PROJECT (default: $ML_REGISTRY, else ./.ml-registry).", False),
        ("model", "MODEL", "Model name.", False),
        ("model-version", "VERSION", "Model version (publish, promote, show, fetch, verify).", False),
        ("channel", "CHANNEL", "Channel, e.g. staging or production (promote, rollback, show, fetch).", False),
        ("to", "TO", "rollback: the version to go back to (default: the previous one).", False),
        ("from-channel", "FROM_CHANNEL", "promote: the version this channel points to (exit 5 if it moves meanwhile).", False),
        ("expect-version", "EXPECT_VERSION", "promote with from-channel: the version that was checked; exit 5 if the channel points elsewhere.", False),
        ("if-version", "IF_VERSION", "rollback: only while the channel points to this version (else nothing to do).", False),
        ("at", "AT", "history: the version the channel pointed to at this time (RFC 3339).", False),
        ("keep", "KEEP", "gc: keep the newest N versions (and every version a channel needs).", False),
        ("keep-days", "KEEP_DAYS", "gc: also keep versions younger than D days.", False),
        ("dry-run", "DRY_RUN", "gc: true to only list what would be deleted.", False),
        ("dest", "DEST", "fetch: the directory to download into.", False),
        ("files", "FILES", "publish: the model's files, one per line (globs allowed).", False),
        ("metrics", "METRICS", "publish: metrics JSON stored in the manifest.", False),
        ("meta", "META", "publish: key=value pairs, one per line.", False),
        ("endpoint-url", "ENDPOINT_URL", "S3 endpoint for MinIO, R2, Ceph (default: $AWS_ENDPOINT_URL).", False),
        ("region", "REGION", "S3 region (default: $AWS_REGION).", False),
        ("api-url", "API_URL", "github:// and gitlab:// registries: the API base, e.g. GitHub Enterprise's https://HOST/api/v3.", False),
        ("tag-format", "TAG_FORMAT", "github:// and gitlab:// registries: the tag of a version's release (default: {model}-v{version}).", False),
        ("gitlab-release", "GITLAB_RELEASE", "gitlab:// registries: true to also create a GitLab release on publish.", False),
    ], [("model", "the model"), ("version", "the version published, promoted, fetched or verified; for promote and rollback, the one the channel points to now"),
        ("channel", "promote, rollback: the channel"), ("previous-version", "promote, rollback: the version the channel pointed to before"),
        ("manifest-sha256", "publish, show: SHA-256 of the version's manifest"), ("dest", "fetch: the directory")]),
}

# How scripts/ship/ci-run.sh turns an input LEAN_<TOOL>_<VAR> into arguments; the option is
# --<var> (VERSION: --version). Unlisted inputs are "value": --OPTION VALUE, trimmed, left out
# when empty. "list": --OPTION ITEM for each line; "files": the same with globs expanded;
# "joined": one --OPTION with the lines (or comma-separated items) joined by commas; "flag":
# --OPTION when true; "positional": the files alone, first; "trailing": the files alone, after
# LEAN_ARGS; "output": an output file, set where ci-run.sh picks the output paths;
# "direction", "command": a choice ci-run.sh checks (add_direction, add_command).
INPUT_KINDS = {
    "validate": {"METRICS": "positional", "REQUIRE": "list", "ALLOW_MISSING": "flag", "REQUIRE_SLICES": "list",
                 "QUERY": "list", "REQUIRE_COMPLETE": "flag"},
    "compare": {"DIRECTION": "direction", "GUARD": "list"},
    "drift": {"COLUMNS": "joined", "EXCLUDE": "joined", "CATEGORICAL": "joined", "NUMERIC": "joined", "HTML": "output",
              "OPENMETRICS": "output", "CHANGED": "files", "QUALITY": "flag", "FAIL_ON_NEW_COLUMNS": "flag",
              "MAX_MISSING": "joined", "UNIQUE": "joined"},
    "release": {"COMMAND": "command", "DRY_RUN": "flag", "FILES": "trailing", "META": "list", "GITLAB_RELEASE": "flag"},
}

COMMON_INPUTS = [
    ("version", "lean-mlops release to install: 1.2.3, latest, or source (build this action's own source). Default: the release of this action.", ""),
    ("working-directory", "Directory to run the tool in; relative paths in the other inputs are relative to it.", "."),
    ("fail-on-gate", "true: a failed gate (exit 1) fails the step. false: the step passes and the outputs tell (errors, exit 2 to 5, always fail the step).", "true"),
    ("report", "Path of the JSON report (default: a file under RUNNER_TEMP, given in the report output).", ""),
    ("markdown", "Also write the markdown summary to this path (the step summary is written anyway).", ""),
    ("junit", "Also write JUnit XML to this path (for test reporters).", ""),
    ("dotenv", "Also write KEY=value lines to this path.", ""),
    ("cache", "Cache the downloaded tools with actions/cache (key: version, OS, architecture).", "true"),
    ("sha256", "Optional: the SHA-256 the release archive must have, on top of the release's SHA256SUMS.", ""),
    ("comment", "true: on pull requests, post the markdown summary as a comment, edited on later runs (needs permissions: pull-requests: write).", "false"),
    ("token", "Token for the pull-request comment, and for ml-release's github:// registries (GITHUB_TOKEN).", "${{ github.token }}"),
]
COMMON_RUN_ENV = [("LEAN_WORKING_DIRECTORY", "working-directory"), ("LEAN_FAIL_ON_GATE", "fail-on-gate"),
                  ("LEAN_REPORT", "report"), ("LEAN_MARKDOWN", "markdown"), ("LEAN_JUNIT", "junit"),
                  ("LEAN_DOTENV", "dotenv"), ("LEAN_ARGS", "args"), ("LEAN_COMMENT", "comment"),
                  ("LEAN_GITHUB_TOKEN", "token")]
COMMON_OUTPUTS = [
    ("status", "pass, fail or error"),
    ("exit-code", "the tool's exit code: 0 pass, 1 gate failed, 2 usage, 3 input data, 4 remote, 5 integrity"),
    ("report", "path of the JSON report"),
]


def q(text):
    return "'" + text.replace("'", "''") + "'"


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"^project\(lean-mlops VERSION ([0-9.]+)", f.read(), re.M).group(1)


# --- GitHub -------------------------------------------------------------------------------------
def action_yml(subdir, name, description, header, inputs, outputs, tool, run_env):
    scripts = "scripts/ship" if not subdir else "../scripts/ship"
    lines = [header, f"name: {q(name)}", f"description: {q(description)}", "author: lean-mlops", "branding:",
             "  icon: check-circle", "  color: green", "inputs:"]
    for input_name, desc, default, required in inputs:
        lines += [f"  {input_name}:", f"    description: {q(desc)}", f"    required: {'true' if required else 'false'}"]
        if not required:
            lines.append(f"    default: {q(default)}")
    lines.append("outputs:")
    for output, desc in COMMON_OUTPUTS + outputs:
        lines += [f"  {output}:", f"    description: {q(desc)}", f"    value: ${{{{ steps.run.outputs.{output} }}}}"]
    lines += ["runs:", "  using: composite", "  steps:"]
    lines += f"""    - id: resolve
      shell: bash
      env:
        LEAN_VERSION: ${{{{ inputs.version }}}}
      run: bash "$GITHUB_ACTION_PATH/{scripts}/action-install.sh" resolve
    - id: restore
      if: steps.resolve.outputs.installed != 'true' && steps.resolve.outputs.cacheable == 'true' && inputs.cache == 'true'
      uses: {CACHE_ACTION.format("restore")}
      with:
        path: ${{{{ steps.resolve.outputs.path }}}}
        key: ${{{{ steps.resolve.outputs.key }}}}
    - id: install
      shell: bash
      env:
        LEAN_RESOLVED_VERSION: ${{{{ steps.resolve.outputs.version }}}}
        LEAN_PATH: ${{{{ steps.resolve.outputs.path }}}}
        LEAN_SHA256: ${{{{ inputs.sha256 }}}}
      run: bash "$GITHUB_ACTION_PATH/{scripts}/action-install.sh" install
    - if: steps.install.outputs.downloaded == 'true' && inputs.cache == 'true'
      uses: {CACHE_ACTION.format("save")}
      with:
        path: ${{{{ steps.resolve.outputs.path }}}}
        key: ${{{{ steps.resolve.outputs.key }}}}
    - id: run
      shell: bash
      env:
        LEAN_TOOL: {tool}
        LEAN_MLOPS_BIN_DIR: ${{{{ steps.install.outputs.bin-dir }}}}""".split("\n")
    for var, input_name in COMMON_RUN_ENV + run_env:
        if var == "LEAN_GITHUB_TOKEN" and tool != "release":  # only where it is used
            condition = "inputs.comment == 'true'" + (" || inputs.tool == 'release'" if not subdir else "")
            lines.append(f"        {var}: ${{{{ ({condition}) && inputs.token || '' }}}}")
        else:
            lines.append(f"        {var}: ${{{{ inputs.{input_name} }}}}")
    lines.append(f'      run: bash "$GITHUB_ACTION_PATH/{scripts}/ci-run.sh"')
    return subdir, "\n".join(lines) + "\n"


HEADER = """# {what}
# Generated by scripts/generate.py from one table of the tools' inputs: edit it there.
# Inputs reach the scripts only through env: (never interpolated into a script); the install
# and run logic is in scripts/ship/ (action-install.sh, install.sh, ci-run.sh); the one third-party
# action, actions/cache, is pinned by commit SHA. Reference: docs/github.md."""


def github_files():
    files = []
    common = [(n, d, default, False) for n, d, default in COMMON_INPUTS]
    files.append(action_yml(
        "", "lean-mlops",
        "Gate, compare, drift-check and release ML models with the lean-mlops tools; no Node or Python on the runner.",
        HEADER.format(what=f"lean-mlops: installs the tools (checksum-verified, cached) and runs one of them.\n"
                           f"#   uses: {REPO}@v1   with: tool: validate|compare|drift|release, args: ..."),
        [("tool", "The tool to run: validate, compare, drift or release.", "", True),
         ("args", "Its arguments, quoted as in a shell ('single', \"double\", backslash); split, never expanded.", "",
          False)] + common,
        [], "${{ inputs.tool }}", []))
    for tool, (summary, inputs, outputs) in TOOLS.items():
        extra = ("\n# Registry credentials: github:// uses the token input; s3:// and gitlab:// read the step's env:"
                 "\n# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...; GITLAB_TOKEN).") if tool == "release" else ""
        files.append(action_yml(
            tool, f"lean-mlops {tool}", summary,
            HEADER.format(what=f"lean-mlops/{tool}: ml-{tool} with typed inputs.\n#   uses: {REPO}/{tool}@v1{extra}"),
            [(n, d, "", r) for n, _, d, r in inputs] + [(ARGS[0], ARGS[2], "", False)] + common,
            outputs, tool, [(f"LEAN_{tool.upper()}_{var}", n) for n, var, _, _ in inputs]))
    return [(os.path.join(sub, "action.yml"), text) for sub, text in files]


# --- GitLab -------------------------------------------------------------------------------------
INSTALL_SCRIPT = r"""# lean-mlops: install into the cached .lean-mlops/ (checksum-verified download of the
# release, else a build from source). Nothing here needs Node or Python.
case $LEAN_MLOPS_HOME in /*) ;; *) LEAN_MLOPS_HOME="$PWD/$LEAN_MLOPS_HOME" ;; esac
lean_prefix="$LEAN_MLOPS_HOME/$LEAN_MLOPS_VERSION/$(uname -m)"
if [ -n "${LEAN_MLOPS_BIN_DIR:-}" ]; then
  echo "lean-mlops: using the tools in $LEAN_MLOPS_BIN_DIR"
elif [ -x "$lean_prefix/bin/ml-validate" ] && grep -qx "version=$LEAN_MLOPS_VERSION" "$lean_prefix/share/lean-mlops/receipt" 2>/dev/null; then
  echo "lean-mlops $LEAN_MLOPS_VERSION: cache hit ($lean_prefix)"
else
  lean_tmp=$(mktemp -d)
  if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
  fi
  lean_get() { if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"; else wget -q -O "$2" "$1"; fi; }
  if [ "$LEAN_MLOPS_VERSION" != source ] && lean_get "$LEAN_MLOPS_BASE_URL/v$LEAN_MLOPS_VERSION/SHA256SUMS" "$lean_tmp/SHA256SUMS" \
    && lean_get "$LEAN_MLOPS_BASE_URL/v$LEAN_MLOPS_VERSION/install.sh" "$lean_tmp/install.sh"; then
    (cd "$lean_tmp" && grep ' install.sh$' SHA256SUMS | sha256sum -c -) >/dev/null \
      || { echo "lean-mlops: install.sh does not match the release's SHA256SUMS; refusing to run it" >&2; exit 5; }
    sh "$lean_tmp/install.sh" --version "$LEAN_MLOPS_VERSION" --prefix "$lean_prefix" --base-url "$LEAN_MLOPS_BASE_URL" \
      --sums "$lean_tmp/SHA256SUMS" --install-deps ${LEAN_MLOPS_SHA256:+--sha256 "$LEAN_MLOPS_SHA256"} || exit $?
  else
    echo "lean-mlops: no release v$LEAN_MLOPS_VERSION at $LEAN_MLOPS_BASE_URL; building ${LEAN_MLOPS_SOURCE_REF:-v$LEAN_MLOPS_VERSION} from source"
    git clone --quiet --depth 1 --branch "${LEAN_MLOPS_SOURCE_REF:-v$LEAN_MLOPS_VERSION}" "$LEAN_MLOPS_SOURCE_URL" "$lean_tmp/src" || exit 4
    sh "$lean_tmp/src/scripts/ship/install.sh" --from-source "$lean_tmp/src" --prefix "$lean_prefix" --install-deps || exit $?
  fi
  rm -rf "$lean_tmp"
fi
export LEAN_MLOPS_BIN_DIR="${LEAN_MLOPS_BIN_DIR:-$lean_prefix/bin}"
export PATH="$LEAN_MLOPS_BIN_DIR:$PATH"
"""


def block(text, indent):
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in text.rstrip("\n").split("\n"))


def gitlab_globals():
    # Global, so a project's own top-level variables override them (job-level defaults in a
    # template would win over those).
    return f"""variables:
  LEAN_MLOPS_VERSION: "{version()}"
  LEAN_MLOPS_BASE_URL: https://github.com/{REPO}/releases/download
  LEAN_MLOPS_SOURCE_URL: https://github.com/{REPO}.git
"""


def gitlab_install_job():
    return f""".lean-mlops-install:
  variables:
    LEAN_MLOPS_HOME: .lean-mlops
  cache:
    - key: lean-mlops-$LEAN_MLOPS_VERSION
      paths:
        - .lean-mlops/
  script:
    - |
{block(INSTALL_SCRIPT, 6)}
"""


def artifacts(tool, indent=2):
    reports = f"lean-mlops-reports"
    lines = ["artifacts:", "  when: always", "  expire_in: 30 days"]
    if tool == "drift":
        lines += ["  expose_as: drift report", "  paths:", f"    - {reports}/drift.html", f"    - {reports}/"]
    else:
        lines += ["  paths:", f"    - {reports}/"]
    lines += ["  reports:", f"    junit: {reports}/{tool}.junit.xml", f"    dotenv: {reports}/{tool}.env"]
    if tool == "drift":
        lines.append(f"    metrics: {reports}/drift.metrics.txt")
    return "\n".join(" " * indent + line for line in lines)


RUN_LINE = 'sh "$LEAN_MLOPS_BIN_DIR/../libexec/lean-mlops/ci-run.sh" {tool}'


def gitlab_main():
    out = [f"""# lean-mlops GitLab CI templates: hidden jobs to `extends`, configured by variables.
# Generated by scripts/generate.py: edit it there. Reference: docs/gitlab.md.
#
#   include:
#     - remote: https://raw.githubusercontent.com/{REPO}/v{version()}/.gitlab-ci-templates/lean-mlops.gitlab-ci.yml
#   validate:
#     extends: .ml-validate
#     variables:
#       LEAN_VALIDATE_METRICS: metrics.json
#       LEAN_VALIDATE_REQUIRE: |
#         accuracy >= 0.85
#
# Each job installs the tools (checksum-verified, cached in .lean-mlops/, source fallback),
# runs one tool through ci-run.sh (every variable is passed as an argument, never as shell
# code), fails with the tool's exit code and keeps its reports in lean-mlops-reports/:
# TOOL.json, TOOL.md, JUnit (artifacts:reports:junit) and dotenv (ML_TOOL_STATUS, ... for
# later jobs). Variables: LEAN_<TOOL>_<INPUT>, e.g. LEAN_COMPARE_METRIC; docs/gitlab.md.
""", gitlab_globals(), gitlab_install_job()]
    out.append(""".lean-mlops:
  extends: .lean-mlops-install
  variables:
    LEAN_REPORTS_DIR: lean-mlops-reports
""")
    for tool, (summary, inputs, _) in TOOLS.items():
        out.append(f"""# {summary}
# Variables: {", ".join(f"LEAN_{tool.upper()}_{var}" for _, var, _, _ in inputs + [ARGS])}
.ml-{tool}:
  extends: .lean-mlops
  script:
    - !reference [.lean-mlops-install, script]
    - {RUN_LINE.format(tool=tool)}
{artifacts(tool)}
""")
    return "\n".join(out)


def gitlab_spec(tool):
    summary, inputs, _ = TOOLS[tool]
    spec = [f"""# lean-mlops GitLab CI template with inputs: one ml-{tool} job.
# Generated by scripts/generate.py: edit it there. Self-contained, so it works with
# include:remote as well as include:project. Reference: docs/gitlab.md.
#
#   include:
#     - remote: https://raw.githubusercontent.com/{REPO}/v{version()}/.gitlab-ci-templates/{tool}.gitlab-ci.yml
#       inputs:
#         ...
spec:
  inputs:
    job:
      description: Name of the job.
      default: ml-{tool}
    stage:
      description: Stage of the job.
      default: test
    version:
      description: lean-mlops release to install (or source).
      default: "{version()}"
    working-directory:
      description: Directory to run the tool in.
      default: ""
    fail-on-gate:
      description: "true: a failed gate (exit 1) fails the job; false: the job passes and its dotenv report tells."
      default: "true"
      options: ["true", "false"]"""]
    for name, _, desc, required in inputs + [ARGS]:
        spec += [f"    {name}:", f"      description: {q(desc)}"]
        if not required:
            spec.append('      default: ""')
    variables = [f'    LEAN_MLOPS_VERSION: "$[[ inputs.version ]]"',
                 f'    LEAN_WORKING_DIRECTORY: "$[[ inputs.working-directory ]]"',
                 f'    LEAN_FAIL_ON_GATE: "$[[ inputs.fail-on-gate ]]"']
    variables += [f'    LEAN_{tool.upper()}_{var}: "$[[ inputs.{name} ]]"' for name, var, _, _ in inputs + [ARGS]]
    job = f"""---
{gitlab_globals()}
{gitlab_install_job()}
"$[[ inputs.job ]]":
  stage: $[[ inputs.stage ]]
  extends: .lean-mlops-install
  variables:
    LEAN_REPORTS_DIR: lean-mlops-reports
{chr(10).join(variables)}
  script:
    - !reference [.lean-mlops-install, script]
    - {RUN_LINE.format(tool=tool)}
{artifacts(tool)}
"""
    return "\n".join(spec) + "\n" + job


def gitlab_files():
    files = [(".gitlab-ci-templates/lean-mlops.gitlab-ci.yml", gitlab_main())]
    for tool in TOOLS:
        files.append((f".gitlab-ci-templates/{tool}.gitlab-ci.yml", gitlab_spec(tool)))
    return files


# --- scripts/ship/ci-run.sh: the inputs -> arguments mapping, between the markers below ---------
CI_RUN = "scripts/ship/ci-run.sh"
CI_RUN_START = "# --- generated by scripts/generate.py from its TOOLS table (edit it there): the inputs"
CI_RUN_END = "# --- end of the generated inputs"


def ci_run_line(tool, name, var):
    kind = INPUT_KINDS[tool].get(var, "value")
    option = "--" + var.lower().replace("_", "-")
    value = f'"$(v {var})"'
    return {"value": f"add_value {option} {value}", "list": f"add_list {option} {value}",
            "files": f"add_files {option} {value}", "joined": f"add_joined {option} {value}",
            "flag": f"add_flag {option} {value} {name}", "positional": f'add_files "" {value}',
            "trailing": f'add_files "" {value}', "direction": f"add_direction {value}",
            "command": f"add_command {value}", "output": None}[kind]


def ci_run_section():
    for tool, kinds in INPUT_KINDS.items():  # a misspelt variable would silently be a "value"
        unknown = set(kinds) - {var for _, var, _, _ in TOOLS[tool][1]}
        if unknown:
            sys.exit(f"INPUT_KINDS[{tool!r}] names no input of TOOLS: {', '.join(sorted(unknown))}")
    def function(name, comment, trailing):
        lines = [f"# {comment}", f"{name}() {{", "  case $tool in"]
        for tool, (_, inputs, _) in TOOLS.items():
            body = [ci_run_line(tool, n, var) for n, var, _, _ in inputs
                    if (INPUT_KINDS[tool].get(var) == "trailing") == trailing]
            body = [line for line in body if line]
            if body:
                lines.append(f"    {tool})")
                lines += [f"      {line}" for line in body]
                lines.append("      ;;")
        return lines + ["  esac", "}"]
    lines = function("add_inputs", "The typed inputs, in the order of the table.", False)
    lines += function("add_trailing_inputs", "The positional files that go after every option (LEAN_ARGS too).", True)
    return "\n".join(lines)


def ci_run_files():
    with open(os.path.join(ROOT, CI_RUN)) as f:
        text = f.read()
    before, rest = text.split(CI_RUN_START + "\n", 1)
    after = rest.split(CI_RUN_END, 1)[1]
    return [(CI_RUN, f"{before}{CI_RUN_START}\n{ci_run_section()}\n{CI_RUN_END}{after}")]


# --- reference tables in the docs, between <!-- generated: NAME --> and <!-- end: NAME -->
def md(text):
    return text.replace("|", "\\|")


def github_table():
    rows = ["| action | input | meaning |", "| --- | --- | --- |"]
    rows.append("| `lean-mlops/lean-mlops` | `tool` (required) | validate, compare, drift or release |")
    rows.append("| | `args` | the tool's arguments, quoted as in a shell; split, never expanded |")
    for tool, (_, inputs, outputs) in TOOLS.items():
        first = True
        for name, _, desc, required in inputs + [ARGS]:
            label = f"`lean-mlops/lean-mlops/{tool}`" if first else ""
            first = False
            rows.append(f"| {label} | `{name}`{' (required)' if required else ''} | {md(desc)} |")
        if outputs:
            rows.append(f"| | outputs | " + ", ".join(f"`{o}`: {md(d)}" for o, d in outputs) + " |")
    rows.append("| every action | " + ", ".join(f"`{n}`" for n, _, _ in COMMON_INPUTS) + " | see Common inputs |")
    return "\n".join(rows)


def gitlab_table():
    rows = ["| job | variable | spec input | meaning |", "| --- | --- | --- | --- |"]
    for tool, (_, inputs, _) in TOOLS.items():
        first = True
        for name, var, desc, required in inputs + [ARGS]:
            label = f"`.ml-{tool}`" if first else ""
            first = False
            rows.append(f"| {label} | `LEAN_{tool.upper()}_{var}` | `{name}`{' (required)' if required else ''} | {md(desc)} |")
    return "\n".join(rows)


def doc_files():
    out = []
    for path, name, table in (("docs/github.md", "inputs", github_table()), ("docs/gitlab.md", "variables", gitlab_table())):
        full = os.path.join(ROOT, path)
        if not os.path.exists(full):
            continue
        with open(full) as f:
            text = f.read()
        start, end = f"<!-- generated: {name} -->", f"<!-- end: {name} -->"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            text = f"{before}{start}\n{table}\n{end}{after}"
        out.append((path, text))
    return out


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in github_files() + gitlab_files() + ci_run_files() + doc_files():
        full = os.path.join(ROOT, path)
        current = open(full).read() if os.path.exists(full) else None
        if current == text:
            continue
        if check:
            stale.append(path)
        else:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
            print(f"wrote {path}")
    if stale:
        print("out of date (run scripts/generate.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
