using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>
/// The incremental detection the indicator grains run after each push gives exactly what a full detection over the
/// same figures gives, whatever order years arrive and are corrected in.
/// </summary>
public sealed class IncrementalSeriesWarningsTests
{
    private static readonly string[] Areas = ["", "area=urban", "area=rural"];

    private static IReadOnlyList<TargetView> Targets(string disaggregation) => disaggregation == "" ? [Target("<", 12m)] : [];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Equals_a_full_detection_after_every_change(int seed)
    {
        var random = new Random(seed);
        var figures = new Dictionary<(int Year, string Disaggregation), ReportedFigure>();
        var incremental = new IncrementalSeriesWarnings();
        var options = WarningOptions.Default;
        var warningsSeen = 0;
        for (var step = 0; step < 120; step++)
        {
            // Mostly the next year (a reporting round), sometimes a correction of an earlier one.
            var latest = figures.Count == 0 ? 2017 : figures.Keys.Max(k => k.Year);
            var year = random.NextDouble() < 0.6 ? Math.Min(latest + 1, 2030) : random.Next(2018, latest + 1);
            var changes = random.Next(1, 4);
            for (var c = 0; c < changes; c++)
            {
                var area = Areas[random.Next(Areas.Length)];
                // Small and large counts, occasionally a numerator above its denominator or sub-groups that do not add up.
                var denominator = random.NextDouble() < 0.3 ? random.Next(1_000, 8_000) : random.Next(50_000, 400_000);
                var numerator = random.NextDouble() < 0.05 ? denominator + random.Next(1, 10) : random.Next(0, Math.Max(2, denominator / 2_000));
                figures[(year, area)] = new ReportedFigure("510104", MaternalMortality, year, area, numerator, denominator, null, "health");
            }
            incremental.Changed(year);

            var expected = Describe(SeriesWarnings.Detect("510104", MaternalMortality, figures.Values, Targets, 2020, options));
            var actual = Describe(incremental.Detect("510104", MaternalMortality, figures.Values, Targets, 2020, options));
            Assert.Equal(expected, actual);
            // Asking again without a change is the same answer.
            Assert.Equal(expected, Describe(incremental.Detect("510104", MaternalMortality, figures.Values, Targets, 2020, options)));
            warningsSeen += expected.Count;
        }
        // The comparison would be empty-handed if the figures never raised anything.
        Assert.True(warningsSeen > 50, $"only {warningsSeen} warnings over the run");
    }

    private static List<string> Describe(IEnumerable<Warning> warnings) =>
        [.. warnings
            .Select(w => $"{w.Key}|{w.Message}|{string.Join(",", w.Numbers.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key}={n.Value:R}"))}")
            .Order(StringComparer.Ordinal)];
}
