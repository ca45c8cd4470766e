using System.Diagnostics;
using OrleansPlans.Contracts;
using OrleansPlans.Counties;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;
using OrleansPlans.Domain.Synthetic;

namespace OrleansPlans.Bench;

/// <summary>
/// <c>--judging</c>: the cost of a county's warning judgement in this process, without a cluster. The province's counties
/// (the scenario's synthetic figures) each take their years in turn, as the load pushes them, and every indicator a year
/// touched is judged after that year's push — what a county does when a page open on it reads its warnings after every
/// push (docs/benchmarks.md, session 17). Prints time and allocation per indicator judgement and the warnings found, so
/// two builds can be compared (the count must not move when only the speed should).
/// </summary>
public static class Judging
{
    public static void Run(PlanData data, Scenario scenario, BenchOptions options, Action<string> progress)
    {
        var generator = new SyntheticFigures(data, options.Seed);
        var reportedAt = new DateTimeOffset(options.LastYear + 1, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var counties = scenario.Counties.Select(c => c.County.Code).ToArray();
        // The figures first, so that the rounds time the judgement and its allocation only.
        var pushes = counties.SelectMany(county => Enumerable.Range(options.FirstYear, options.LastYear - options.FirstYear + 1)
            .Select(year => (County: county, Rows: generator.ForCounty(county, year).GroupBy(r => r.Indicator).ToArray()))).ToArray();
        Console.WriteLine($"judging: {counties.Length} counties × {options.FirstYear}–{options.LastYear}, every indicator a year's push touched judged after it; {options.JudgingRounds} rounds");
        for (var round = 1; round <= options.JudgingRounds; round++)
        {
            var figures = new Dictionary<(string, string), IndicatorFigures>();
            long ticks = 0, bytes = 0, judgements = 0, warnings = 0;
            var found = new List<DetectedWarning[]>(pushes.Sum(p => p.Rows.Length)); // sized: no growth inside the measured allocation
            foreach (var (county, rows) in pushes)
            {
                foreach (var indicator in rows)
                {
                    if (!figures.TryGetValue((county, indicator.Key), out var f))
                    {
                        figures[(county, indicator.Key)] = f = new IndicatorFigures(county, data.Indicators[indicator.Key], data);
                    }
                    f.Apply(Guid.NewGuid(), [.. indicator], reportedAt);
                }
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                foreach (var indicator in rows)
                {
                    var judged = figures[(county, indicator.Key)].Warnings(WarningOptions.Default);
                    warnings += judged.Length;
                    found.Add(judged);
                }
                ticks += Stopwatch.GetTimestamp() - start;
                bytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                judgements += rows.Length;
            }
            var elapsed = Stopwatch.GetElapsedTime(0, ticks);
            var line = $"judging round {round}: {judgements:N0} indicator judgements in {elapsed.TotalMilliseconds:F0} ms: " +
                $"{elapsed.TotalMicroseconds / judgements:F2} µs and {bytes / judgements:N0} B each; {warnings:N0} warnings, digest {Digest(found)}";
            Console.WriteLine(line);
            progress(line);
        }
        Console.WriteLine("(round 1 includes the JIT; compare the later rounds; the digest covers every warning's every field, in order)");
    }

    /// <summary>
    /// SHA-256 (first 16 hex digits) of every warning of every judgement in order, each field and number written out:
    /// a change meant to make the judgement cheaper must leave it unchanged, not just the count.
    /// </summary>
    private static string Digest(List<DetectedWarning[]> judgements)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var text = new System.Text.StringBuilder();
        foreach (var judged in judgements)
        {
            text.Append('#');
            foreach (var w in judged)
            {
                text.Append(w.Kind).Append('|').Append(w.Indicator).Append('|').Append(w.Year).Append('|').Append(w.Disaggregation).Append('|')
                    .Append(w.Rule).Append('|').Append(w.Department).Append('|').Append(w.Message);
                foreach (var (name, number) in w.Numbers.OrderBy(n => n.Key, StringComparer.Ordinal))
                {
                    text.Append('|').Append(name).Append('=').Append(number.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                }
                text.Append('\n');
            }
            if (text.Length > 1 << 16)
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
                text.Clear();
            }
        }
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
