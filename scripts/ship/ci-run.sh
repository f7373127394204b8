#!/bin/sh
# Runs one lean-mlops tool in CI from environment variables, without ever evaluating their
# values as shell code: the GitHub actions (action.yml, */action.yml) and the GitLab
# templates (.gitlab-ci-templates/) both call it, and the release archive ships it as
# libexec/lean-mlops/ci-run.sh.
#
#   ci-run.sh TOOL        TOOL: validate, compare, drift or release (or ml-validate, ...)
#
# Each typed input is a variable LEAN_<TOOL>_<NAME>, e.g. LEAN_VALIDATE_REQUIRE (one
# expression per line) or LEAN_COMPARE_METRIC; lists take one item per line (blank lines and
# lines starting with '#' are ignored; file lists expand * ? [ ] globs). LEAN_ARGS and
# LEAN_<TOOL>_ARGS add arguments quoted as in a shell ('single', "double", backslash), which
# are split but never expanded. docs/github.md and docs/gitlab.md list every variable; the
# section mapping them to the tool's options is generated from the same table
# (scripts/generate.py).
#
# Common variables:
#   LEAN_WORKING_DIRECTORY   run the tool there
#   LEAN_REPORTS_DIR         write TOOL.json, TOOL.md, TOOL.junit.xml, TOOL.env there
#   LEAN_REPORT, LEAN_MARKDOWN, LEAN_JUNIT, LEAN_DOTENV   or these exact paths
#   LEAN_FAIL_ON_GATE        true (default): exit 1 when the gate fails; false: exit 0 and let
#                            the outputs tell (errors, exit 2 to 5, always fail)
#   LEAN_MLOPS_BIN_DIR       where the ml-* binaries are (default: PATH)
# Inside GitHub Actions the dotenv keys also become step outputs (ML_COMPARE_DECISION ->
# decision), and status, exit-code and report are always set, even when the tool cannot start.
set -u

die_usage() {
  printf 'lean-mlops: error: %s\n' "$*" >&2
  [ "${GITHUB_ACTIONS:-}" != true ] || printf '::error title=lean-mlops::%s\n' "$*"
  write_github_outputs error 2
  exit 2
}

write_github_outputs() {
  # Only what the tool did not write itself: the tool appends to the same file.
  [ "${GITHUB_ACTIONS:-}" = true ] && [ -n "${GITHUB_OUTPUT:-}" ] || return 0
  if ! grep -q '^exit-code=' "$GITHUB_OUTPUT" 2>/dev/null; then
    printf 'status=%s\nexit-code=%s\nreport=%s\n' "$1" "$2" "${report_path:-}" >>"$GITHUB_OUTPUT"
  fi
}

# --- argument vector, kept as a safely single-quoted string for one final `eval set --` ----
argv=
add_arg() {
  case $1 in
    *"'"*) quoted=$(printf '%sx' "$1" | sed "s/'/'\\\\''/g"); argv="$argv '${quoted%x}'" ;;
    *) argv="$argv '$1'" ;;
  esac
}

trim() {
  t=$1
  t=${t#"${t%%[![:space:]]*}"}
  t=${t%"${t##*[![:space:]]}"}
  printf '%s' "$t"
}

# add_words TEXT: split like a shell does (quotes, backslash), with no expansion of any kind.
# A lexer by hand, because sh has no splitter that does not also expand (eval, set -- $x) and
# xargs quotes differently (no newline inside quotes, no backslash escapes inside them).
add_words() {
  [ -n "$1" ] || return 0
  rest=$1 word='' have=0 state=plain
  while [ -n "$rest" ]; do
    c=${rest%"${rest#?}"}
    rest=${rest#?}
    case $state in
      plain)
        case $c in
          ' '|'	'|'
') [ "$have" = 0 ] || add_arg "$word"; word='' have=0 ;;
          "'") state=single have=1 ;;
          '"') state=double have=1 ;;
          '\')
            [ -n "$rest" ] || die_usage "LEAN_ARGS ends with a lone backslash"
            c=${rest%"${rest#?}"}; rest=${rest#?}
            [ "$c" = '
' ] || { word="$word$c"; have=1; } ;;
          *) word="$word$c" have=1 ;;
        esac ;;
      single)
        case $c in
          "'") state=plain ;;
          *) word="$word$c" ;;
        esac ;;
      double)
        case $c in
          '"') state=plain ;;
          '\')
            n=${rest%"${rest#?}"}
            case $n in
              '"'|'\'|'$'|'`') word="$word$n"; rest=${rest#?} ;;
              *) word="$word$c" ;;
            esac ;;
          *) word="$word$c" ;;
        esac ;;
    esac
  done
  [ "$state" = plain ] || die_usage "unterminated $state quote in arguments: $1"
  [ "$have" = 0 ] || add_arg "$word"
}

# each_line TEXT: prints the non-blank, non-comment lines, trimmed.
each_line() {
  printf '%s\n' "$1" | while IFS= read -r line || [ -n "$line" ]; do
    line=$(trim "$line")
    case $line in ''|'#'*) continue ;; esac
    printf '%s\n' "$line"
  done
}

# add_list FLAG TEXT: FLAG ITEM for each line (FLAG empty: ITEM alone).
add_list() {
  [ -n "$2" ] || return 0
  lines=$(each_line "$2")
  [ -n "$lines" ] || return 0
  while IFS= read -r item; do
    [ -z "$1" ] || add_arg "$1"
    add_arg "$item"
  done <<EOF
$lines
EOF
}

# add_files FLAG TEXT: like add_list, expanding globs (an unmatched glob stays as written, and
# the tool then reports the missing file).
add_files() {
  [ -n "$2" ] || return 0
  lines=$(each_line "$2")
  [ -n "$lines" ] || return 0
  while IFS= read -r item; do
    case $item in
      *'*'*|*'?'*|*'['*)
        old_ifs=$IFS; IFS=
        set +f
        # shellcheck disable=SC2086
        for f in $item; do [ -z "$1" ] || add_arg "$1"; add_arg "$f"; done
        IFS=$old_ifs ;;
      *) [ -z "$1" ] || add_arg "$1"; add_arg "$item" ;;
    esac
  done <<EOF
$lines
EOF
}

# add_joined FLAG TEXT: one FLAG with the lines (or comma-separated items) joined by commas.
add_joined() {
  [ -n "$2" ] || return 0
  joined=$(each_line "$2" | tr '\n' ',' | sed 's/,*$//; s/,,*/,/g')
  [ -z "$joined" ] || { add_arg "$1"; add_arg "$joined"; }
}

add_value() {
  [ -n "$2" ] || return 0
  t=$2
  t=${t#"${t%%[![:space:]]*}"}
  t=${t%"${t##*[![:space:]]}"}
  [ -z "$t" ] || { add_arg "$1"; add_arg "$t"; }
}

add_flag() {
  case $2 in
    [Tt]rue|TRUE|[Yy]es|1|on) add_arg "$1" ;;
    [Ff]alse|FALSE|[Nn]o|0|off|'') ;;
    *) die_usage "$3 must be true or false, not '$2'" ;;
  esac
}

# --- the tool --------------------------------------------------------------------------------
tool=${1:-${LEAN_TOOL:-}}
[ -n "$tool" ] || die_usage "usage: ci-run.sh validate|compare|drift|release (or LEAN_TOOL)"
tool=$(trim "${tool#ml-}")
tool=${tool#ml-}
case $tool in
  validate|compare|drift|release) ;;
  *) die_usage "unknown tool '$tool'; expected validate, compare, drift or release" ;;
esac

# Directories given relative to where the job starts stay so after the cd below.
case ${LEAN_REPORTS_DIR:-} in ''|/*) ;; *) LEAN_REPORTS_DIR="$PWD/$LEAN_REPORTS_DIR" ;; esac
case ${LEAN_MLOPS_BIN_DIR:-} in ''|/*) ;; *) LEAN_MLOPS_BIN_DIR="$PWD/$LEAN_MLOPS_BIN_DIR" ;; esac
if [ -n "${LEAN_WORKING_DIRECTORY:-}" ]; then
  cd "$LEAN_WORKING_DIRECTORY" || die_usage "working directory '$LEAN_WORKING_DIRECTORY' does not exist"
fi

case $tool in
  validate) TOOL=VALIDATE ;; compare) TOOL=COMPARE ;; drift) TOOL=DRIFT ;; release) TOOL=RELEASE ;;
esac
binary="ml-$tool"
if [ -n "${LEAN_MLOPS_BIN_DIR:-}" ]; then binary="$LEAN_MLOPS_BIN_DIR/ml-$tool"; fi

v() { eval "printf '%s' \"\${LEAN_${TOOL}_$1:-}\""; }

add_direction() {
  case $(trim "$1") in
    ''|auto) ;;
    higher|higher-is-better) add_arg --higher-is-better ;;
    lower|lower-is-better) add_arg --lower-is-better ;;
    *) die_usage "direction must be auto, higher or lower, not '$1'" ;;
  esac
}

add_command() {
  command=$(trim "$1")
  case $command in
    publish|promote|rollback|list|show|fetch|verify|history|gc|diff) add_arg "$command" ;;
    '') ;;  # given in LEAN_ARGS
    *) die_usage "command must be publish, promote, rollback, list, show, fetch, verify, history, gc or diff, not '$command'" ;;
  esac
}

# --- generated by scripts/generate.py from its TOOLS table (edit it there): the inputs
# The typed inputs, in the order of the table.
add_inputs() {
  case $tool in
    validate)
      add_files "" "$(v METRICS)"
      add_list --require "$(v REQUIRE)"
      add_value --policy "$(v POLICY)"
      add_value --history "$(v HISTORY)"
      add_value --window "$(v WINDOW)"
      add_value --min-count "$(v MIN_COUNT)"
      add_flag --allow-missing "$(v ALLOW_MISSING)" allow-missing
      add_value --mlflow-run "$(v MLFLOW_RUN)"
      add_value --predictions "$(v PREDICTIONS)"
      add_value --task "$(v TASK)"
      add_value --label-column "$(v LABEL_COLUMN)"
      add_value --prediction-column "$(v PREDICTION_COLUMN)"
      add_value --score-column "$(v SCORE_COLUMN)"
      add_value --weight-column "$(v WEIGHT_COLUMN)"
      add_value --pos-label "$(v POS_LABEL)"
      add_value --average "$(v AVERAGE)"
      add_value --slice-by "$(v SLICE_BY)"
      add_list --require-slices "$(v REQUIRE_SLICES)"
      add_value --min-slice-size "$(v MIN_SLICE_SIZE)"
      add_value --prometheus "$(v PROMETHEUS)"
      add_list --query "$(v QUERY)"
      add_value --at "$(v AT)"
      add_value --range "$(v RANGE)"
      add_value --step "$(v STEP)"
      add_value --max-gap "$(v MAX_GAP)"
      add_flag --require-complete "$(v REQUIRE_COMPLETE)" require-complete
      add_value --write-metrics "$(v WRITE_METRICS)"
      add_value --endpoint-url "$(v ENDPOINT_URL)"
      add_value --region "$(v REGION)"
      add_value --ca-bundle "$(v CA_BUNDLE)"
      ;;
    compare)
      add_value --candidate "$(v CANDIDATE)"
      add_value --metric "$(v METRIC)"
      add_value --baseline "$(v BASELINE)"
      add_value --baseline-registry "$(v BASELINE_REGISTRY)"
      add_value --model "$(v MODEL)"
      add_value --channel "$(v CHANNEL)"
      add_value --min-delta "$(v MIN_DELTA)"
      add_value --min-rel-delta "$(v MIN_REL_DELTA)"
      add_direction "$(v DIRECTION)"
      add_list --guard "$(v GUARD)"
      add_value --if-no-baseline "$(v IF_NO_BASELINE)"
      add_value --candidate-predictions "$(v CANDIDATE_PREDICTIONS)"
      add_value --baseline-predictions "$(v BASELINE_PREDICTIONS)"
      add_value --id-column "$(v ID_COLUMN)"
      add_value --significance "$(v SIGNIFICANCE)"
      add_value --test "$(v TEST)"
      add_value --bootstrap-samples "$(v BOOTSTRAP_SAMPLES)"
      add_value --seed "$(v SEED)"
      add_value --label-column "$(v LABEL_COLUMN)"
      add_value --prediction-column "$(v PREDICTION_COLUMN)"
      add_value --score-column "$(v SCORE_COLUMN)"
      add_value --weight-column "$(v WEIGHT_COLUMN)"
      add_value --pos-label "$(v POS_LABEL)"
      add_value --endpoint-url "$(v ENDPOINT_URL)"
      add_value --region "$(v REGION)"
      add_value --ca-bundle "$(v CA_BUNDLE)"
      ;;
    drift)
      add_value --reference "$(v REFERENCE)"
      add_value --current "$(v CURRENT)"
      add_joined --columns "$(v COLUMNS)"
      add_joined --exclude "$(v EXCLUDE)"
      add_joined --categorical "$(v CATEGORICAL)"
      add_joined --numeric "$(v NUMERIC)"
      add_value --numeric-method "$(v NUMERIC_METHOD)"
      add_value --categorical-method "$(v CATEGORICAL_METHOD)"
      add_value --threshold "$(v THRESHOLD)"
      add_value --drift-share "$(v DRIFT_SHARE)"
      add_value --correction "$(v CORRECTION)"
      add_value --threads "$(v THREADS)"
      add_value --delimiter "$(v DELIMITER)"
      add_value --pushgateway "$(v PUSHGATEWAY)"
      add_files --changed "$(v CHANGED)"
      add_value --state "$(v STATE)"
      add_flag --quality "$(v QUALITY)" quality
      add_value --schema "$(v SCHEMA)"
      add_flag --fail-on-new-columns "$(v FAIL_ON_NEW_COLUMNS)" fail-on-new-columns
      add_value --max-missing-increase "$(v MAX_MISSING_INCREASE)"
      add_joined --max-missing "$(v MAX_MISSING)"
      add_value --max-out-of-range "$(v MAX_OUT_OF_RANGE)"
      add_value --max-new-categories "$(v MAX_NEW_CATEGORIES)"
      add_value --rows-ratio "$(v ROWS_RATIO)"
      add_value --max-duplicate-increase "$(v MAX_DUPLICATE_INCREASE)"
      add_joined --unique "$(v UNIQUE)"
      add_value --endpoint-url "$(v ENDPOINT_URL)"
      add_value --region "$(v REGION)"
      add_value --ca-bundle "$(v CA_BUNDLE)"
      ;;
    release)
      add_command "$(v COMMAND)"
      add_value --registry "$(v REGISTRY)"
      add_value --model "$(v MODEL)"
      add_value --version "$(v VERSION)"
      add_value --channel "$(v CHANNEL)"
      add_value --to "$(v TO)"
      add_value --from-channel "$(v FROM_CHANNEL)"
      add_value --expect-version "$(v EXPECT_VERSION)"
      add_value --if-version "$(v IF_VERSION)"
      add_value --at "$(v AT)"
      add_value --keep "$(v KEEP)"
      add_value --keep-days "$(v KEEP_DAYS)"
      add_flag --dry-run "$(v DRY_RUN)" dry-run
      add_value --dest "$(v DEST)"
      add_value --metrics "$(v METRICS)"
      add_list --meta "$(v META)"
      add_value --endpoint-url "$(v ENDPOINT_URL)"
      add_value --region "$(v REGION)"
      add_value --api-url "$(v API_URL)"
      add_value --tag-format "$(v TAG_FORMAT)"
      add_flag --gitlab-release "$(v GITLAB_RELEASE)" gitlab-release
      ;;
  esac
}
# The positional files that go after every option (LEAN_ARGS too).
add_trailing_inputs() {
  case $tool in
    release)
      add_files "" "$(v FILES)"
      ;;
  esac
}
# --- end of the generated inputs

add_inputs
# github:// registries authenticate with GITHUB_TOKEN: the action's token input by default.
if [ "$tool" = release ] && [ -z "${GITHUB_TOKEN:-}" ] && [ -n "${LEAN_GITHUB_TOKEN:-}" ]; then
  export GITHUB_TOKEN="$LEAN_GITHUB_TOKEN"
fi
add_words "$(v ARGS)"
add_words "${LEAN_ARGS:-}"
add_trailing_inputs

# --- output files ------------------------------------------------------------------------------
has_flag() { case " $argv " in *" '$1' "*|*" '$1="*) return 0 ;; esac; return 1; }
flag_value() {  # flag_value FLAG: the value FLAG has in the arguments
  wanted=$1
  eval "set -- $argv"
  while [ $# -gt 0 ]; do
    case $1 in
      "$wanted") printf '%s' "${2:-}"; return 0 ;;
      "$wanted="*) printf '%s' "${1#*=}"; return 0 ;;
    esac
    shift
  done
  return 1
}
reports_dir=${LEAN_REPORTS_DIR:-}
if [ -n "$reports_dir" ]; then mkdir -p "$reports_dir" || die_usage "cannot create '$reports_dir'"; fi
output() {  # output FLAG EXPLICIT DEFAULT_NAME
  if has_flag "$1"; then return 0; fi
  if [ -n "$2" ]; then add_arg "$1"; add_arg "$2"
  elif [ -n "$reports_dir" ] && [ -n "$3" ]; then add_arg "$1"; add_arg "$reports_dir/$3"
  fi
}
output --report "${LEAN_REPORT:-}" "$tool.json"
output --markdown "${LEAN_MARKDOWN:-}" "$tool.md"
output --junit "${LEAN_JUNIT:-}" "$tool.junit.xml"
output --dotenv "${LEAN_DOTENV:-}" "$tool.env"
if [ "$tool" = drift ]; then
  output --html "$(v HTML)" "drift.html"
  output --openmetrics "$(v OPENMETRICS)" "drift.metrics.txt"
fi
# Inside GitHub Actions the step always has a report (output `report`), and a dotenv file
# feeds the other step outputs.
if [ "${GITHUB_ACTIONS:-}" = true ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  step_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lean-mlops/$(printf '%s' "${GITHUB_ACTION:-$tool}-$$" | tr -c 'A-Za-z0-9_.-' '_')"
  if ! has_flag --report; then
    mkdir -p "$step_dir" && add_arg --report && add_arg "$step_dir/$tool.json"
  fi
  if ! has_flag --dotenv; then
    mkdir -p "$step_dir" && gh_dotenv="$step_dir/$tool.env" && add_arg --dotenv && add_arg "$gh_dotenv"
  fi
  case ${LEAN_COMMENT:-false} in
    [Tt]rue|1|yes)
      comment=true
      if ! has_flag --markdown; then mkdir -p "$step_dir" && add_arg --markdown && add_arg "$step_dir/$tool.md"; fi ;;
    [Ff]alse|0|no|'') ;;
    *) die_usage "comment must be true or false, not '$LEAN_COMMENT'" ;;
  esac
fi
report_path=$(flag_value --report || true)
markdown_path=$(flag_value --markdown || true)
dotenv_path=$(flag_value --dotenv || true)
# Output files may go to directories that do not exist yet (reports/validate.json).
for flag in --report --markdown --junit --dotenv --html --openmetrics --state; do
  file=$(flag_value "$flag" || true)
  case $file in */*) mkdir -p "${file%/*}" 2>/dev/null || true ;; esac
done

fail_on_gate=$(printf '%s' "${LEAN_FAIL_ON_GATE:-true}" | tr '[:upper:]' '[:lower:]')
case $fail_on_gate in
  true|yes|1|on|'') fail_on_gate=true ;;
  false|no|0|off) fail_on_gate=false ;;
  *) die_usage "fail-on-gate must be true or false, not '${LEAN_FAIL_ON_GATE:-}'" ;;
esac

# --- run ---------------------------------------------------------------------------------------
eval "set -- $argv"
printf '+ %s' "$binary" >&2
for a in "$@"; do
  case $a in
    *[!A-Za-z0-9_./:=@%+,-]*|'') printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")" >&2 ;;
    *) printf ' %s' "$a" >&2 ;;
  esac
done
printf '\n' >&2

if [ -z "${LEAN_MLOPS_BIN_DIR:-}" ] && ! command -v "$binary" >/dev/null 2>&1; then
  printf 'lean-mlops: error: %s is not installed (not on PATH); is this lean-mlops release older than the tool?\n' "$binary" >&2
  [ "${GITHUB_ACTIONS:-}" != true ] || printf '::error title=lean-mlops::%s is not installed\n' "$binary"
  write_github_outputs error 2
  exit 2
fi

"$binary" "$@"
code=$?

if [ "${GITHUB_ACTIONS:-}" = true ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  case $code in 0) status=pass ;; 1) status=fail ;; *) status=error ;; esac
  write_github_outputs "$status" "$code"
  # ML_COMPARE_DECISION=promote -> decision=promote (status, exit code and report are above).
  if [ -n "$dotenv_path" ] && [ -f "$dotenv_path" ]; then
    prefix="ML_$(printf '%s' "$tool" | tr '[:lower:]' '[:upper:]')_"
    while IFS= read -r line || [ -n "$line" ]; do
      key=${line%%=*}
      value=${line#*=}
      case $key in "$prefix"STATUS|"$prefix"EXIT_CODE|"$prefix"REPORT|"$prefix"*[!A-Z0-9_]*) continue ;; "$prefix"*) ;; *) continue ;; esac
      name=$(printf '%s' "${key#"$prefix"}" | tr 'A-Z_' 'a-z-')
      printf '%s=%s\n' "$name" "$value" >>"$GITHUB_OUTPUT"
    done <"$dotenv_path"
  fi
  [ -z "${gh_dotenv:-}" ] || rm -f "$gh_dotenv"
  if [ "${comment:-false}" = true ]; then
    bash "$(dirname "$0")/action-comment.sh" "$markdown_path" "${GITHUB_WORKFLOW:-workflow}-${GITHUB_JOB:-job}-$tool"
  fi
fi

if [ "$code" -eq 1 ] && [ "$fail_on_gate" = false ]; then
  printf 'lean-mlops: the %s gate failed; continuing because fail-on-gate is false\n' "ml-$tool" >&2
  exit 0
fi
exit "$code"
