using System.Text.Json;
using OrleansPlans.Domain;

namespace OrleansPlans.Bench;

public sealed record CheckResult(string What, bool Ok, string Detail);

/// <summary>Correctness of the roll-ups, read through the public API and compared with the tool's own sums.</summary>
public static class Checks
{
    /// <summary>GET …/consistency: the grain recomputes the org unit from its county leaves.</summary>
    public static async Task<CheckResult> ConsistencyAsync(HttpClient http, string orgUnit)
    {
        using var response = await http.GetAsync($"api/v1/org-units/{orgUnit}/consistency");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            return new CheckResult($"consistency {orgUnit}", false, $"{(int)response.StatusCode} {Trim(text)}");
        }
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var consistent = root.TryGetProperty("consistent", out var c) && c.ValueKind == JsonValueKind.True;
        var cells = root.TryGetProperty("cellsChecked", out var n) ? n.GetInt32() : -1;
        var differences = root.TryGetProperty("differences", out var d) ? d.GetArrayLength() : -1;
        return new CheckResult($"consistency {orgUnit}", consistent, $"consistent={consistent.ToString().ToLowerInvariant()}, {cells} cells checked, {differences} differences");
    }

    /// <summary>
    /// GET …/rollup?year=Y and compare every indicator × disaggregation with Σnum/Σden computed from the pushed values:
    /// the same set of cells, the same sums (exact decimals) and the same number of reporting units.
    /// </summary>
    public static async Task<CheckResult> RollupEqualsScratchAsync(HttpClient http, Scenario scenario, string orgUnit, int year, decimal? probeValue, int probeYear)
    {
        var expected = scenario.Expected(orgUnit, year);
        var probeCounties = scenario.Data.LeavesOf(orgUnit).Any(c => c.Code == scenario.ProbeCounty);
        if (probeValue is { } pv && probeCounties && year == probeYear)
        {
            expected[(scenario.Probe.Code, "")] = new ExpectedCell(scenario.Probe.Code, "", pv, null, 1);
        }
        using var response = await http.GetAsync($"api/v1/org-units/{orgUnit}/rollup?year={year}");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            return new CheckResult($"roll-up {orgUnit} {year} = Σ pushed", false, $"{(int)response.StatusCode} {Trim(text)}");
        }
        var mismatches = Compare(scenario, expected, text, ignoreProbe: probeValue is null);
        return new CheckResult($"roll-up {orgUnit} {year} = Σ pushed", mismatches.Count == 0,
            mismatches.Count == 0 ? $"{expected.Count} cells equal" : $"{mismatches.Count} of {expected.Count} cells differ, e.g. {string.Join("; ", mismatches.Take(5))}");
    }

    /// <summary>The mismatches between a roll-up response body and the expected cells (empty when equal).</summary>
    public static List<string> Compare(Scenario scenario, Dictionary<(string Indicator, string Disaggregation), ExpectedCell> expected, string rollupJson, bool ignoreProbe)
    {
        var mismatches = new List<string>();
        var seen = new HashSet<(string, string)>();
        using var document = JsonDocument.Parse(rollupJson);
        foreach (var entry in document.RootElement.GetProperty("indicators").EnumerateArray())
        {
            var indicator = entry.GetProperty("indicator").GetString()!;
            if (ignoreProbe && indicator == scenario.Probe.Code)
            {
                continue;
            }
            var parts = entry.GetProperty("disaggregation").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            var key = (indicator, Disaggregation.Key(parts));
            seen.Add(key);
            if (!expected.TryGetValue(key, out var want))
            {
                mismatches.Add($"{indicator}[{key.Item2}] is in the roll-up but was never pushed");
                continue;
            }
            var kind = scenario.Data.Indicators[indicator].Kind;
            var numerator = kind == IndicatorKind.Count ? Number(entry, "value") : Number(entry, "numerator");
            var denominator = Number(entry, "denominator");
            var units = entry.GetProperty("reportingUnits").GetInt32();
            if (numerator != want.Numerator || denominator != want.Denominator || units != want.ReportingUnits)
            {
                mismatches.Add($"{indicator}[{key.Item2}]: got {numerator}/{denominator} from {units} units, expected {want.Numerator}/{want.Denominator} from {want.ReportingUnits}");
            }
        }
        foreach (var key in expected.Keys.Where(k => !seen.Contains(k) && !(ignoreProbe && k.Indicator == scenario.Probe.Code)))
        {
            mismatches.Add($"{key.Indicator}[{key.Disaggregation}] was pushed but is missing from the roll-up");
        }
        return mismatches;
    }

    private static decimal? Number(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;

    private static string Trim(string text) => text.Length > 400 ? text[..400] + "…" : text;
}
