#!/usr/bin/env bash
# Question: how large is report.html (docs/cli.md §7.5) for a 10,000- and a 1,000,000-record run,
# and how much of it is ECharts and how much the data? Runs are made by bench/plot-run-generator.ts
# (seeded, infermark's export schema); `plot --format html` writes only the report, timed.
# Usage: npx tsc -p tsconfig.json && bash bench/report-size.sh [RECORDS ...]   (default: 10000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 1000000)
for records in "${sizes[@]}"; do
  npx vite-node bench/plot-run-generator.ts -- --records "$records" --seed 1 --out "$out/run-$records" >/dev/null
  /usr/bin/time -f "plot --format html: wall %e s, user %U s, sys %S s, max RSS %M KiB" \
    node dist/bin.js plot "$out/run-$records" -o "$out/plots-$records" --format html >/dev/null
  node -e '
    const fs = require("node:fs");
    const [records, path] = process.argv.slice(1);
    const html = fs.readFileSync(path, "utf8");
    const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)[1];
    const echarts = fs.statSync(require.resolve("echarts/dist/echarts.min.js")).size;
    const records_ = fs.statSync(path.replace(/plots-\d+\/report\.html$/, `run-${records}/profile_export.jsonl`)).size;
    const mb = (b) => (b / 1e6).toFixed(2) + " MB";
    console.log(`${records} records (records file ${mb(records_)}): report.html ${mb(Buffer.byteLength(html))} = ECharts ${mb(echarts)} + data ${mb(Buffer.byteLength(data))} + page ${mb(Buffer.byteLength(html) - echarts - Buffer.byteLength(data))}`);
  ' "$records" "$out/plots-$records/report.html"
done
