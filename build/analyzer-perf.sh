#!/usr/bin/env bash
# Measures the analyzers' execution time (-p:ReportAnalyzer=true) on two inputs and prints the per-analyzer table:
#   1. every project of the solution, with the analyzers added to each compilation;
#   2. a generated compilation of N service types (default 400): singletons with locks, caches, awaits and flags,
#      per-request controllers and handlers, a composition root registering them.
#
#   build/analyzer-perf.sh [N]
#
# A measurement, not a test: numbers vary with the machine. Output folder: artifacts/perf (kept for inspection).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-400}"
root="$(pwd)"
out="$root/artifacts/perf"
rm -rf "$out" && mkdir -p "$out/analyzers"

dotnet build analyzers/Nuzantara.Analyzers -c Release --nologo -v quiet
dotnet build runtime/Nuzantara.Concurrency -c Release -f net10.0 --nologo -v quiet
# A copy, so that building the analyzer project itself never loads the DLL it is writing.
cp artifacts/bin/Nuzantara.Analyzers/release/Nuzantara.Analyzers.dll "$out/analyzers/"
runtime_dll="$root/artifacts/bin/Nuzantara.Concurrency/release_net10.0/Nuzantara.Concurrency.dll"

cat > "$out/AddAnalyzers.targets" <<TARGETS
<Project>
  <ItemGroup>
    <Analyzer Include="$out/analyzers/Nuzantara.Analyzers.dll" />
  </ItemGroup>
</Project>
TARGETS

# Sums, per Nuzantara rule, the times the CoreCompile summaries of a build log report (one summary per compilation).
report() {
  python3 - "$1" <<'PY'
import re, sys, collections
times, counts, totals = collections.defaultdict(float), collections.Counter(), []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"^\s*(?:\d+(?::\d+)?>)?\s*(<?[\d.]+)\s+<?\d+\s+Nuzantara\.Analyzers\.Rules\.(\w+) \((NZ\d+)\)", line)
    if m:
        times[m.group(3) + " " + m.group(2)] += float(m.group(1).lstrip("<"))
        counts[m.group(3) + " " + m.group(2)] += 1
    t = re.search(r"Total analyzer execution time: ([\d.]+) seconds", line)
    if t:
        totals.append(float(t.group(1)))
print(f"  compilations: {len(totals)}, all analyzers (incl. the SDK's): {sum(totals):.3f} s")
for rule in sorted(times):
    print(f"  {rule:45s} {times[rule]:7.3f} s over {counts[rule]} compilations")
print(f"  {'all Nuzantara rules':45s} {sum(times.values()):7.3f} s")
PY
}

echo "==> solution: every project with the Nuzantara analyzers added"
dotnet build Nuzantara.Analyzers.sln -c Release --no-incremental --nologo -v:detailed -m:1 \
  -p:ReportAnalyzer=true -p:CustomAfterMicrosoftCommonTargets="$out/AddAnalyzers.targets" \
  -p:TreatWarningsAsErrors=false -p:WarningLevel=0 > "$out/solution.log" 2>&1 || { tail -30 "$out/solution.log"; exit 1; }
report "$out/solution.log"

echo "==> generated: $count service types"
gen="$out/generated"
mkdir -p "$gen"
cat > "$gen/Generated.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <NoWarn>\$(NoWarn);CS0169;CS0414;CS1998</NoWarn>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.Extensions.Hosting.Abstractions" Version="10.0.15" />
    <Reference Include="Nuzantara.Concurrency" HintPath="$runtime_dll" />
    <Analyzer Include="$out/analyzers/Nuzantara.Analyzers.dll" />
  </ItemGroup>
</Project>
PROJECT
# Keep the repository's build props out of the generated project.
echo "<Project />" > "$gen/Directory.Build.props"
echo "<Project />" > "$gen/Directory.Build.targets"
echo "<Project />" > "$gen/Directory.Packages.props"
python3 - "$gen" "$count" <<'PY'
import sys, os
gen, count = sys.argv[1], int(sys.argv[2])
registrations = []
for i in range(count):
    kind = i % 4
    name = ["PriceCache", "QuotaService", "OrdersController", "ImportHandler"][kind] + str(i)
    if kind < 2:
        registrations.append(f"services.AddSingleton<{name}>();")
    else:
        registrations.append(f"services.AddScoped<{name}>();")
    with open(os.path.join(gen, name + ".cs"), "w") as f:
        f.write(f"""using System.Collections.Concurrent;
using Nuzantara.Concurrency;

public sealed class {name}
{{
    private readonly AsyncLock _gate = new();
    private readonly Dictionary<string, decimal> _prices = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private readonly List<string> _log = new();
    private string? _settings;
    private bool _started;
    private int _count;
    private decimal _total;

    public async Task<decimal> GetAsync(string sku, CancellationToken ct)
    {{
        if (_prices.TryGetValue(sku, out var price)) return price;
        price = await Task.FromResult(sku.Length * 1.5m);
        _prices[sku] = price;
        _count++;
        return price;
    }}

    public async Task AddAsync(Task<decimal> amount, CancellationToken ct)
    {{
        using (await _gate.LockAsync(ct))
        {{
            var total = _total;
            _total = total + await amount;
        }}

        _log.Add("added");
    }}

    public void Hit(string page)
    {{
        if (_hits.TryGetValue(page, out var n)) _hits[page] = n + 1;
        else _hits[page] = 1;
    }}

    public async Task<string> SettingsAsync()
    {{
        if (_settings is null)
        {{
            _settings = await Task.FromResult("x");
        }}

        return _settings;
    }}

    public void Start()
    {{
        if (!_started)
        {{
            Connect();
            _started = true;
        }}
    }}

    private void Connect()
    {{
        for (var i = 0; i < 10; i++)
        {{
            var local = i * 2;
            if (local > 5) {{ _log.Add(local.ToString()); }}
        }}
    }}
}}
""")
with open(os.path.join(gen, "Program.cs"), "w") as f:
    f.write("using Microsoft.Extensions.DependencyInjection;\n\npublic static class CompositionRoot\n{\n    public static void Configure(IServiceCollection services)\n    {\n")
    for r in registrations:
        f.write("        " + r + "\n")
    f.write("    }\n\n    public static void Main() { }\n}\n")
PY
(cd "$gen" && dotnet build -c Release --nologo -v:detailed -p:ReportAnalyzer=true > "$out/generated.log" 2>&1) || { tail -30 "$out/generated.log"; exit 1; }
report "$out/generated.log"
