#!/usr/bin/env bash
# `npm start`: system packages, build if the sources changed, test-guest image, then the whole
# stack (dashboard, worker, two local agents) on the embedded SQLite database (`-- --postgres`: on
# a local PostgreSQL server under data/pg; see scripts/stack/start.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/next ] || npm install --no-audit --no-fund
bash scripts/ensure-system.sh start
case " $* " in *" --postgres "*) bash scripts/ensure-system.sh postgres ;; esac

# Rebuild when any source is newer than the last build.
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib prisma proxy.ts next.config.ts package.json -newer .next/BUILD_ID -type f -not -path 'lib/generated/*' -print -quit)" ]; then
  echo "vmops: building the dashboard"
  npm run build --silent
fi

if command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null; then
  bash scripts/build-guest.sh
fi

exec node_modules/.bin/tsx scripts/stack/start.ts "$@"
