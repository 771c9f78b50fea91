#!/bin/sh
# gitml-hook-shim v1: installed (and rewritten) by `git ml init --hooks`.
# A hook that was here before is kept as HOOK.legacy and runs first.
hook_name="$(basename "$0")"
hook_dir="$(dirname "$0")"
stdin_file=""
case "$hook_name" in
  pre-push|post-rewrite|reference-transaction|pre-receive|post-receive)
    stdin_file="$(mktemp)" || exit 1
    trap 'rm -f "$stdin_file"' EXIT
    cat > "$stdin_file"
    ;;
esac
if [ -x "$hook_dir/$hook_name.legacy" ]; then
  if [ -n "$stdin_file" ]; then
    "$hook_dir/$hook_name.legacy" "$@" < "$stdin_file" || exit $?
  else
    "$hook_dir/$hook_name.legacy" "$@" || exit $?
  fi
fi
if command -v git-ml >/dev/null 2>&1; then
  gitml_cmd="git-ml"
else
  gitml_cmd="@PYTHON@ -m gitml"
fi
if [ -n "$stdin_file" ]; then
  $gitml_cmd hook "$hook_name" "$@" < "$stdin_file"
else
  $gitml_cmd hook "$hook_name" "$@"
fi
