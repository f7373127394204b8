#!/usr/bin/env bash
# Posts a tool's markdown summary as a sticky pull-request comment (the `comment: true` input of
# the GitHub actions); called by ci-run.sh after the tool ran.
#
#   action-comment.sh MARKDOWN_FILE KEY
#
# One comment per KEY (workflow, job and tool): the first run creates it, later runs edit it,
# so a pull request does not collect a comment per push. Uses the REST API with curl and the
# token in LEAN_GITHUB_TOKEN (the job needs `permissions: pull-requests: write`); no jq, Node or
# Python. A comment that cannot be posted is a warning, never a failure: the gate's exit code
# is what matters.
set -uo pipefail

warn() {
  echo "::warning title=lean-mlops comment::$*"
  exit 0
}

markdown=${1:?usage: action-comment.sh MARKDOWN_FILE KEY}
key=$(printf '%s' "${2:?usage: action-comment.sh MARKDOWN_FILE KEY}" | tr -c 'A-Za-z0-9-' '-')
[ -f "$markdown" ] || warn "no markdown summary to post"

pr=
case ${GITHUB_REF:-} in
  refs/pull/*) pr=${GITHUB_REF#refs/pull/}; pr=${pr%%/*} ;;
esac
case $pr in
  '' | *[!0-9]*) echo "lean-mlops: not a pull request; no comment"; exit 0 ;;
esac
[ -n "${LEAN_GITHUB_TOKEN:-}" ] || warn "no token; give the token input (and permissions: pull-requests: write)"
[ -n "${GITHUB_REPOSITORY:-}" ] || warn "GITHUB_REPOSITORY is not set"
api=${GITHUB_API_URL:-https://api.github.com}

# The marker is a markdown comment (invisible) whose token has no character JSON escapes.
token="lean-mlops-comment-$key-end"
body=$(printf '[//]: # (%s)\n%s' "$token" "$(cat "$markdown")")
json_body=$(printf '%s' "$body" | awk '
  BEGIN { ORS = "" }
  {
    gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r")
    if (NR > 1) print "\\n"
    print
  }')
payload="{\"body\":\"$json_body\"}"

call() {
  curl -sS --fail-with-body --connect-timeout 10 --max-time 30 --retry 2 \
    -H "Authorization: Bearer $LEAN_GITHUB_TOKEN" -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" -H "User-Agent: lean-mlops" "$@"
}

# Find our earlier comment: the comments/ID in the `url` that opens its object, the last one
# before the marker token.
id=
for page in 1 2 3 4 5 6 7 8 9 10; do
  listing=$(call "$api/repos/$GITHUB_REPOSITORY/issues/$pr/comments?per_page=100&page=$page") \
    || warn "cannot list the comments of pull request #$pr: $(printf '%s' "$listing" | head -c 300)"
  case $listing in
    *"$token"*)
      before=${listing%%"$token"*}
      id=$(printf '%s' "$before" | grep -o '/issues/comments/[0-9][0-9]*' | tail -n 1 | sed 's#.*/##')
      break ;;
  esac
  case $listing in *'"id"'*) ;; *) break ;; esac  # an empty page: no more comments
done

if [ -n "$id" ]; then
  out=$(printf '%s' "$payload" | call -X PATCH --data-binary @- "$api/repos/$GITHUB_REPOSITORY/issues/comments/$id") \
    || warn "cannot update comment $id: $(printf '%s' "$out" | head -c 300)"
  echo "lean-mlops: updated the summary comment on pull request #$pr"
else
  out=$(printf '%s' "$payload" | call -X POST --data-binary @- "$api/repos/$GITHUB_REPOSITORY/issues/$pr/comments") \
    || warn "cannot comment on pull request #$pr: $(printf '%s' "$out" | head -c 300)"
  echo "lean-mlops: commented the summary on pull request #$pr"
fi
