#!/usr/bin/env bash
# Runs the README's first command on an empty data directory and checks what a newcomer sees:
# the demo company, the API docs and the web UI. Prints the first-start time.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
# A free port chosen by the kernel, so a server left over on this machine cannot get in the way.
port=${PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
log="$dir/serve.log"
t0=$(date +%s)
# In its own process group: npm starts node as a child, and stopping npm alone would orphan it.
SHOUFU_DATA_DIR="$dir/data" PORT=$port SHOUFU_ADMIN_PASSWORD=first-start-check setsid npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 600); do
  if grep -q 'running at' "$log" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "server exited"; exit 1; fi
  sleep 1
done
grep -q 'running at' "$log" || { cat "$log"; echo "server did not start in 600 s"; exit 1; }
echo "first start (migrate + demo company + listen): $(( $(date +%s) - t0 )) s"
grep -E '演示公司|admin login' "$log"
base="http://127.0.0.1:$port"
curl -fsS "$base/healthz"; echo
curl -fsS "$base/docs/json" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);console.log('openapi paths:',Object.keys(j.paths).length)})"
curl -fsS "$base/" | grep -q '<div id="root">' && echo "web UI served"
jar="$dir/cookies"
curl -fsS -c "$jar" -H 'content-type: application/json' -d '{"username":"admin","password":"first-start-check"}' "$base/api/auth/login" >/dev/null
curl -fsS -b "$jar" "$base/api/dashboard/summary"; echo
# A second process on the same data directory is refused with a clear message.
if SHOUFU_DATA_DIR="$dir/data" node bin/shoufu.mjs export customers >/dev/null 2>"$dir/second.err"; then
  echo "a second process opened the locked data directory"; exit 1
fi
grep -q 'in use by another Shoufu process' "$dir/second.err" && echo "second process refused: ok"
