#!/usr/bin/env bash
# `npm test`: every test, on the real QEMU driver and Debian's Chromium. A missing QEMU or
# Chromium is a failure (installed here when run as root), never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export VMOPS_DRIVER=qemu

[ -d node_modules/next ] || npm install --no-audit --no-fund
bash scripts/ensure-system.sh test
bash scripts/build-guest.sh

step() { printf '\n== %s ==\n' "$*"; }
step "prisma generate + typecheck + lint"
npm run -s db:generate >/dev/null
npx tsc --noEmit
npm run -s lint
step "unit tests"
npx vitest run --project unit
step "integration tests (real QEMU, TCG)"
npx vitest run --project integ
step "integration tests on PostgreSQL (the files that open a database; a throwaway server)"
npx tsx scripts/db/with-postgres.ts --db-tests -- npx vitest run --project integ
step "build"
npx next build >/dev/null
step "browser tests (Chromium)"
npx playwright test
