using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Orleans.Serialization;
using OrleansPlans.Counties;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Synthetic;

namespace OrleansPlans.Bench;

/// <summary>
/// <c>--codecs</c>: the cost of a county's year row in grain storage, in this process, without a cluster. Every county
/// of the scenario holds its synthetic figures as a county grain does (<see cref="IndicatorFigures"/>), and each
/// county-year row is written and read back with the grain storage's JSON settings (<see cref="GrainStateJson"/>) and,
/// for comparison, with the reflection serializer those settings replaced in session 18 (docs/benchmarks.md). A push of
/// one county-year rewrites one such row; an activation reads its county's rows.
/// </summary>
public static class Codecs
{
    public static void Run(PlanData data, Scenario scenario, BenchOptions options, Action<string> progress)
    {
        var generator = new SyntheticFigures(data, options.Seed);
        var reportedAt = new DateTimeOffset(options.LastYear + 1, 3, 1, 0, 0, 0, TimeSpan.FromHours(8));
        var rows = new List<CountyYearFigures>();
        foreach (var county in scenario.Counties.Select(c => c.County.Code))
        {
            var figures = new Dictionary<string, IndicatorFigures>(StringComparer.Ordinal);
            for (var year = options.FirstYear; year <= options.LastYear; year++)
            {
                foreach (var indicator in generator.ForCounty(county, year).GroupBy(r => r.Indicator))
                {
                    if (!figures.TryGetValue(indicator.Key, out var f))
                    {
                        figures[indicator.Key] = f = new IndicatorFigures(county, data.Indicators[indicator.Key], data);
                    }
                    // The lead department's code, as the county grain fills it in for a row without one.
                    f.Apply(Guid.NewGuid(), [.. indicator.Select(r => r with { Department = r.Department ?? data.Indicators[r.Indicator].Department })], reportedAt.AddMinutes(year));
                }
            }
            for (var year = options.FirstYear; year <= options.LastYear; year++)
            {
                var row = new CountyYearFigures();
                foreach (var (indicator, f) in figures.Where(f => f.Value.HasFiguresOf(year)))
                {
                    row.Indicators[indicator] = f.FiguresOf(year);
                }
                rows.Add(row);
            }
        }
        var storage = Options(GrainStateJson.Configure);
        var reflection = Options(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var figuresPerRow = rows.Average(r => r.Indicators.Values.Sum(v => v.Count));
        Console.WriteLine($"codecs: {rows.Count:N0} county-year rows of {figuresPerRow:F0} figures on average; {options.CodecRounds} rounds " +
            "(storage = the silo's settings, reflection = the serializer they replaced in session 18)");
        var codecs = new[] { ("storage", storage), ("reflection", reflection) };
        // The rows each codec writes, made once: the rounds time the work, not keeping its results.
        var written = codecs.Select(c => rows.Select(row => JsonSerializer.SerializeToUtf8Bytes(row, c.Item2)).ToArray()).ToArray();
        for (var round = 1; round <= options.CodecRounds; round++)
        {
            var parts = new List<string>();
            for (var c = 0; c < codecs.Length; c++)
            {
                var (name, json) = codecs[c];
                var (writeMicros, writeBytes) = Measure(rows, row => JsonSerializer.SerializeToUtf8Bytes(row, json).Length);
                var (readMicros, readBytes) = Measure(written[c], bytes => JsonSerializer.Deserialize<CountyYearFigures>(bytes, json)!.Indicators.Count);
                parts.Add($"{name}: write {writeMicros:F1} µs and {writeBytes / 1024.0:F1} KB allocated, read {readMicros:F1} µs and {readBytes / 1024.0:F1} KB, " +
                    $"{written[c].Average(w => w.Length) / 1024.0:F1} KB of JSON");
            }
            var line = $"codecs round {round}, per row: {string.Join("; ", parts)}";
            Console.WriteLine(line);
            progress(line);
        }
        Console.WriteLine("(round 1 includes the JIT; compare the later rounds)");
    }

    private static JsonSerializerOptions Options(Action<JsonSerializerOptions> configure)
    {
        // Orleans' defaults for its System.Text.Json storage serializer, then the settings.
        var options = new JsonSerializerOptions(new SystemTextJsonGrainStorageSerializerOptions().JsonSerializerOptions);
        configure(options);
        return options;
    }

    /// <summary>Time and allocation per input, from a collected heap (the collections the work causes are counted).</summary>
    private static (double Micros, double Bytes) Measure<TIn>(IReadOnlyList<TIn> inputs, Func<TIn, int> work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var check = 0L;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < inputs.Count; i++)
        {
            check += work(inputs[i]);
        }
        var micros = Stopwatch.GetElapsedTime(start).TotalMicroseconds / inputs.Count;
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)inputs.Count;
        return check > 0 ? (micros, bytes) : throw new InvalidOperationException("no rows were written or read");
    }
}
