# Sourced: runs a long step with its progress shown and an estimate of what remains.
#
#   with_progress TITLE ESTIMATE_SECONDS LOG_FILE COMMAND...
#
# prints "TITLE: about <estimate>", then the command's own progress lines (what it writes to stderr and stdout, less
# the Go tool's per-module chatter, which goes to LOG_FILE only), a line every PROGRESS_INTERVAL seconds (default 60)
# with the time spent and the estimate of what is left, and the time it took. The estimate is what the step takes on
# a 2-core machine with an empty Go cache; later runs are mostly cache hits. On failure the end of LOG_FILE is shown.

# The Go tool's lines about fetching modules (and about retracted versions that upstream go.mod files require).
go_chatter='^go: (downloading|added|finding|extracting|upgraded|found) |^go: warning: .*retracted|^go: to switch to the latest|^[[:space:]]+go get .*@latest$'

format_duration() {
  local s=$1
  if ((s >= 90)); then printf '%d min' $(((s + 30) / 60)); else printf '%d s' "$s"; fi
}

with_progress() {
  local title=$1 estimate=$2 log_file=$3 start=$SECONDS ticker status
  shift 3
  mkdir -p "$(dirname "$log_file")"
  printf '%s: %s (about %s on 2 cores the first time)\n' "${PROGRESS_PREFIX:-tools}" "$title" "$(format_duration "$estimate")" >&2
  # The ticker sleeps in a child it waits for, and takes that child with it when stopped: a sleep left behind would
  # hold the caller's output open (a pipe, a test's captured stderr) until it ends, up to PROGRESS_INTERVAL seconds.
  (
    sleeper=
    trap '[[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null; exit 0' TERM
    while sleep "${PROGRESS_INTERVAL:-60}" & sleeper=$! && wait "$sleeper"; do
      local spent=$((SECONDS - start)) left
      left=$((estimate - spent))
      if ((left > 0)); then
        printf '%s: %s: %s so far, about %s left\n' "${PROGRESS_PREFIX:-tools}" "$title" "$(format_duration "$spent")" "$(format_duration "$left")" >&2
      else
        printf '%s: %s: %s so far, longer than estimated (a busy machine)\n' "${PROGRESS_PREFIX:-tools}" "$title" "$(format_duration "$spent")" >&2
      fi
    done
  ) &
  ticker=$!
  local errexit=false
  [[ $- == *e* ]] && errexit=true
  set +e
  "$@" 2>&1 | tee -a "$log_file" | grep --line-buffered -v -E "$go_chatter" >&2
  status=${PIPESTATUS[0]}
  if $errexit; then set -e; fi
  kill "$ticker" 2>/dev/null
  wait "$ticker" 2>/dev/null || true
  if ((status != 0)); then
    printf '%s: %s failed after %s; the end of its log (%s):\n' "${PROGRESS_PREFIX:-tools}" "$title" "$(format_duration $((SECONDS - start)))" "$log_file" >&2
    tail -n 15 "$log_file" >&2
    return "$status"
  fi
  printf '%s: %s: done in %s\n' "${PROGRESS_PREFIX:-tools}" "$title" "$(format_duration $((SECONDS - start)))" >&2
}
