#!/usr/bin/env bash
# The memory-store benchmark, pinned to one core when taskset exists (these machines slow down
# for seconds at a time; one core and interleaving keep the ratios honest), with --expose-gc so
# memory is measured after collection.
set -euo pipefail
cd "$(dirname "$0")"
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 1); fi
exec "${pin[@]}" node --expose-gc --import tsx --conditions=@scoped-rag/source src/memory-store.ts
