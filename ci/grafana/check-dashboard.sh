#!/bin/sh
# ci/grafana/check-dashboard.sh - type-check a Grafana dashboard JSON
# against Grafana's own published types (npm @grafana/schema), without a
# Grafana: the dashboard as a whole against `Dashboard` (classic JSON
# model), each panel's options and field config against its plugin's
# `Options` / `FieldConfig` (stat, timeseries), each target against the
# common `DataQuery` plus the Prometheus query fields this script lists
# (expr, legendFormat, range, instant, editorMode, format, interval: those
# of the Prometheus plugin's PromQuery, which @grafana/schema does not
# ship). Object literals get TypeScript's excess-property
# check, so a misspelt or unknown field fails, not only a wrong type.
# String enums (e.g. colorMode) are compared by their values, as JSON
# writes them.
#
# Usage: ci/grafana/check-dashboard.sh [DASHBOARD.json]
#   (default ci/grafana/leakgate-soak.json). Needs node and npm (the npm
#   registry); the packages go to $LG_GRAFANA_CHECK_DIR (default
#   ~/.cache/leakgate-grafana-check). Exit 0 clean, 1 type errors, 2 setup.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dash=${1:-$root/ci/grafana/leakgate-soak.json}
dir=${LG_GRAFANA_CHECK_DIR:-$HOME/.cache/leakgate-grafana-check}
SCHEMA_VERSION=13.2.3
TS_VERSION=5.9.3
command -v npm >/dev/null 2>&1 || { echo "check-dashboard: npm not installed" >&2; exit 2; }
mkdir -p "$dir"
if [ ! -f "$dir/node_modules/@grafana/schema/package.json" ] ||
  ! grep -q "\"version\": \"$SCHEMA_VERSION\"" "$dir/node_modules/@grafana/schema/package.json"; then
  (cd "$dir" && npm install --no-audit --no-fund --silent \
    "@grafana/schema@$SCHEMA_VERSION" "typescript@$TS_VERSION" >/dev/null) || {
    echo "check-dashboard: npm install failed" >&2; exit 2; }
fi
python3 - "$dash" "$dir/check.ts" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
base = "@grafana/schema/dist/esm/raw/composable"
out = ["import type { Dashboard } from '@grafana/schema';",
       f"import type {{ Options as StatOptions }} from '{base}/stat/panelcfg/x/StatPanelCfg_types.gen';",
       f"import type {{ Options as TsOptions, FieldConfig as TsField }} from '{base}/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';",
       "import type { DataQuery } from '@grafana/schema';",
       "type PromQuery = DataQuery & { expr: string; legendFormat?: string; range?: boolean;",
       "  instant?: boolean; editorMode?: 'code' | 'builder'; format?: 'time_series' | 'table' | 'heatmap';",
       "  interval?: string };",
       # JSON writes a string enum by its value: compare values.
       "type J<T> = T extends string ? `${T}` : T extends number | boolean ? T :",
       "  T extends Array<infer U> ? Array<J<U>> : T extends object ? { [K in keyof T]: J<T[K]> } : T;",
       "const dashboard: J<Dashboard> = " + json.dumps(d) + ";",
       "void dashboard;"]
for i, p in enumerate(d["panels"]):
    if p["type"] == "stat":
        out.append(f"const p{i}_options: J<StatOptions> = {json.dumps(p['options'])};")
    elif p["type"] == "timeseries":
        out.append(f"const p{i}_options: J<TsOptions> = {json.dumps(p['options'])};")
        out.append(f"const p{i}_custom: J<TsField> = {json.dumps(p['fieldConfig']['defaults'].get('custom', {}))};")
        out.append(f"void p{i}_custom;")
    else:
        sys.exit(f"check-dashboard: panel {p['id']}: no check for type {p['type']}")
    out.append(f"void p{i}_options;")
    out.append(f"const p{i}_targets: J<PromQuery>[] = {json.dumps(p['targets'])};")
    out.append(f"void p{i}_targets;")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
cd "$dir"
if ./node_modules/.bin/tsc --noEmit --strict --skipLibCheck --target es2020 \
  --module esnext --moduleResolution bundler check.ts; then
  echo "check-dashboard: $(basename "$dash") type-checks against @grafana/schema $SCHEMA_VERSION"
else
  exit 1
fi
