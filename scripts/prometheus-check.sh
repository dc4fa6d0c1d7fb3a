#!/usr/bin/env bash
# promtool (Debian's prometheus package) on what Herald exposes and ships: the scrape of a running
# Herald's /metrics that scripts/conformance-snapshot.ts saved in var/metrics.txt, the example
# alert rules, and their unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
promtool check metrics < var/metrics.txt
echo "promtool check metrics: var/metrics.txt passes"
promtool check rules deploy/prometheus/herald-rules.yml
(cd deploy/prometheus && promtool test rules herald-rules.test.yml)
