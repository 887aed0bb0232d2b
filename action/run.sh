#!/usr/bin/env bash
# Runs backlint for the GitHub Action (action.yml), from the repository root
# ($GITHUB_WORKSPACE, or the current directory), so that the paths in annotations and
# SARIF are relative to it.
#
# Environment (the action's inputs):
#   BACKLINT_BIN               the installed binary (default: backlint on PATH)
#   INPUT_ARGS                 further arguments, separated by whitespace
#   INPUT_WORKING_DIRECTORY    the cargo workspace to lint, relative to the root: its
#                              Cargo.toml is given as --manifest-path (a directory
#                              without one is given as a path)
#   INPUT_FORMAT               human, concise, json, sarif or github (default github)
#   INPUT_DIFF_BASE            auto (default): on pull requests, report only the lines
#                              they change (--diff-base origin/$GITHUB_BASE_REF, the base
#                              fetched when missing); a revision: --diff-base REV;
#                              false: the whole workspace
#   INPUT_SARIF_FILE           where the sarif format writes (default backlint.sarif)
#   INPUT_SARIF_CATEGORY       its automationDetails.id (default backlint)
#
# Exits with backlint's status (0 clean, 1 findings, 2 error). Writes `exit-code` to
# $GITHUB_OUTPUT, and `sarif-file` (an absolute path) once a SARIF report is written.
set -uo pipefail

root=${GITHUB_WORKSPACE:-$PWD}
cd "$root" || exit 2
bin=${BACKLINT_BIN:-backlint}
format=${INPUT_FORMAT:-github}
dir=${INPUT_WORKING_DIRECTORY:-.}
diff_base=${INPUT_DIFF_BASE:-auto}

cmd=(--format "$format")
case $format in
  human | concise | json | github) ;;
  sarif)
    sarif=${INPUT_SARIF_FILE:-backlint.sarif}
    case $sarif in /*) ;; *) sarif=$root/$sarif ;; esac
    cmd+=(--output "$sarif" --sarif-category "${INPUT_SARIF_CATEGORY:-backlint}")
    ;;
  *)
    echo "::error title=backlint::unknown format '$format' (human, concise, json, sarif or github)"
    exit 2
    ;;
esac

case $diff_base in
  auto)
    if [[ ${GITHUB_EVENT_NAME:-} == pull_request* && -n ${GITHUB_BASE_REF:-} ]]; then
      rev=origin/$GITHUB_BASE_REF
      if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
        echo "Fetching the history of the pull request's branch and of $GITHUB_BASE_REF, to find where they parted"
        git fetch --no-tags --quiet --unshallow origin "+refs/heads/$GITHUB_BASE_REF:refs/remotes/$rev"
      elif ! git rev-parse --verify --quiet "$rev^{commit}" >/dev/null; then
        echo "Fetching $GITHUB_BASE_REF"
        git fetch --no-tags --quiet origin "+refs/heads/$GITHUB_BASE_REF:refs/remotes/$rev"
      fi
      cmd+=(--diff-base "$rev")
    fi
    ;;
  false | none | "") ;;
  *) cmd+=(--diff-base "$diff_base") ;;
esac

if [ "$dir" != . ] && [ "$dir" != ./ ]; then
  if [ -f "$dir/Cargo.toml" ]; then
    cmd+=(--manifest-path "$dir/Cargo.toml")
  else
    cmd+=("$dir")
  fi
fi

read -r -a extra <<<"${INPUT_ARGS:-}"
cmd+=(${extra[@]+"${extra[@]}"})

echo "backlint ${cmd[*]}"
"$bin" "${cmd[@]}"
status=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$status" >>"$GITHUB_OUTPUT"
  if [ -n "${sarif:-}" ] && [ "$status" -le 1 ] && [ -f "$sarif" ]; then
    echo "sarif-file=$sarif" >>"$GITHUB_OUTPUT"
  fi
fi
exit "$status"
