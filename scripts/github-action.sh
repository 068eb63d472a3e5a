#!/usr/bin/env bash
# The step of the capsched GitHub Action (action.yml): validate the plans (annotations on the
# changed lines), write the capacity report to the job summary, create or update the one
# pull-request comment, and fail the step when the plans are invalid.
#
# Inputs arrive as INPUT_* variables (set by action.yml), the rest from the Actions runner
# (GITHUB_*, RUNNER_TEMP). CAPSCHED_BIN is the capsched entry point (bin/capsched.js).
# Tested by test/unit/ci/github-action.test.ts with a fake runner environment and a local GitHub API.
set -uo pipefail

fail_usage() {
  echo "::error title=capsched action::$1"
  exit 2
}

to_bool() { # variable input-name value
  case "${3,,}" in
    true | yes | 1) printf -v "$1" true ;;
    false | no | 0 | '') printf -v "$1" false ;;
    *) fail_usage "input $2 must be true or false, got \"$3\"" ;;
  esac
}

capsched() {
  node "${CAPSCHED_BIN:?CAPSCHED_BIN is not set}" "$@"
}

path="${INPUT_PATH:-schedules}"
head="${INPUT_HEAD:-HEAD}"
base="${INPUT_BASE:-}"
if [ -z "$base" ]; then
  if [ -n "${GITHUB_BASE_REF:-}" ]; then base="origin/${GITHUB_BASE_REF}"; else base="origin/main"; fi
fi
to_bool strict strict "${INPUT_STRICT:-false}"
to_bool comment comment "${INPUT_COMMENT:-true}"
to_bool fail_on_invalid fail-on-invalid "${INPUT_FAIL_ON_INVALID:-true}"
[ -n "${INPUT_MANAGED_ELSEWHERE:-}" ] && export CAPSCHED_MANAGED_ELSEWHERE="$INPUT_MANAGED_ELSEWHERE"
# USD per million Actions for the "worst case if unused" figures of validate and the report.
[ -n "${INPUT_ACTIONS_PRICE:-}" ] && export CAPSCHED_ACTIONS_PRICE="$INPUT_ACTIONS_PRICE"

# 1. Validate: ::error/::warning workflow commands on stdout become annotations on the lines.
validate_args=("$path" --format github)
[ "$strict" = true ] && validate_args+=(--strict)
capsched validate "${validate_args[@]}"
validate_rc=$?
if [ "$validate_rc" -eq 2 ]; then exit 2; fi

# 2. The report: to a file, to the job summary and (on a pull request) to the one comment.
report_file="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/capsched-report.md"
report_args=(report --base "$base" --head "$head" --path "$path")
if [ "$comment" = true ]; then
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) report_args+=(--comment github) ;;
    *) echo "::notice title=capsched action::not a pull_request event (${GITHUB_EVENT_NAME:-none}): no comment written" ;;
  esac
fi
capsched "${report_args[@]}" > "$report_file"
report_rc=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$report_file" ]; then
  cat "$report_file" >> "$GITHUB_STEP_SUMMARY"
fi

valid=true
[ "$validate_rc" -ne 0 ] && valid=false
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "valid=$valid"
    echo "report-file=$report_file"
  } >> "$GITHUB_OUTPUT"
fi

# 3. The verdict, after the report is out.
if [ "$report_rc" -ne 0 ]; then
  echo "::error title=capsched action::capsched report failed (exit $report_rc); see the log above"
  exit "$report_rc"
fi
if [ "$valid" = false ] && [ "$fail_on_invalid" = true ]; then
  echo "::error title=capsched action::the capacity plans under $path are invalid$([ "$strict" = true ] && echo ' (strict: warnings count)'); see the annotations"
  exit 1
fi
exit 0
