using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Synthetic;

/// <summary>
/// Deterministic synthetic figures for demos, tests and benchmarks — never real statistics.
/// </summary>
/// <remarks>
/// Documented in docs/demo-data.md. For a (seed, county, indicator) the generator draws a county level near the
/// national target (or a plausible range when there is none), a yearly trend in the indicator's better direction
/// with noise, and denominators sized like a county (e.g. 2,000–8,000 live births). Disaggregated rows split the
/// total's denominator and numerator, so sub-groups always add up to the total.
/// </remarks>
public sealed class SyntheticFigures(PlanData data, int seed = 20_211)
{
    public const string Principal = "demo-generator (synthetic data)";

    /// <summary>A county's figures for one year: every numeric indicator, the total and each one-way disaggregation.</summary>
    public DataValueRow[] ForCounty(string county, int year)
    {
        var rows = new List<DataValueRow>();
        foreach (var indicator in data.IndicatorList.Where(i => i.IsNumeric))
        {
            var period = data.ReportingPeriod(county, indicator.Plan);
            if (year < period.Start || year > period.End)
            {
                continue;
            }
            rows.AddRange(ForIndicator(county, indicator, year));
        }
        Nest(rows, "under5-mortality-rate", "infant-mortality-rate", 0.78m);
        Nest(rows, "infant-mortality-rate", "neonatal-mortality-rate", 0.6m);
        return [.. rows];
    }

    /// <summary>
    /// Infant deaths are under-5 deaths and neonatal deaths infant deaths (data/validation-rules.yaml checks it): the
    /// nested indicator's figures are derived from its parent's — same live births, ⌊ratio × deaths⌋ per part — with each
    /// category's rounding remainder handed to parts that have room, so its sub-groups still add up to its total.
    /// </summary>
    private static void Nest(List<DataValueRow> rows, string parentCode, string childCode, decimal ratio)
    {
        var parent = rows.Where(r => r.Indicator == parentCode).ToDictionary(r => r.Disaggregation, StringComparer.Ordinal);
        if (!parent.TryGetValue(Disaggregation.Total, out var parentTotal) || !rows.Any(r => r.Indicator == childCode))
        {
            return;
        }
        var derived = new Dictionary<string, DataValueRow>(StringComparer.Ordinal);
        var childTotal = Math.Floor(ratio * parentTotal.Numerator!.Value);
        derived[Disaggregation.Total] = parentTotal with { Indicator = childCode, Numerator = childTotal };
        foreach (var category in parent.Keys.Where(k => k != Disaggregation.Total).GroupBy(k => Disaggregation.Parse(k).Keys.Single(), StringComparer.Ordinal))
        {
            var parts = category.Select(k => parent[k]).ToList();
            var nums = parts.Select(p => Math.Floor(ratio * p.Numerator!.Value)).ToArray();
            var remainder = childTotal - nums.Sum();
            for (var i = 0; remainder > 0 && i < nums.Length; i = (i + 1) % nums.Length)
            {
                if (nums[i] < parts[i].Numerator!.Value)
                {
                    nums[i]++;
                    remainder--;
                }
                else if (parts.Select((p, j) => p.Numerator!.Value - nums[j]).All(room => room <= 0))
                {
                    break;
                }
            }
            for (var i = 0; i < parts.Count; i++)
            {
                derived[parts[i].Disaggregation] = parts[i] with { Indicator = childCode, Numerator = nums[i] };
            }
        }
        rows.RemoveAll(r => r.Indicator == childCode);
        rows.AddRange(derived.Values);
    }

    public IEnumerable<DataValueRow> ForIndicator(string county, IndicatorDefinition indicator, int year)
    {
        var rng = new Random(Hash(seed, county, indicator.Code, year));
        var countyRng = new Random(Hash(seed, county, indicator.Code, 0));
        var level = Level(indicator, countyRng) * Trend(indicator, year) * (decimal)(0.95 + 0.1 * rng.NextDouble());
        var size = (decimal)(0.5 + countyRng.NextDouble());
        var total = Figure(indicator, level, size, rng);
        yield return total with { Year = year };
        foreach (var category in indicator.Disaggregations)
        {
            var options = indicator.OptionsOf(category);
            if (options.Count == 0)
            {
                continue;
            }
            var shares = options.Select(_ => 0.5 + rng.NextDouble()).ToArray();
            var sum = shares.Sum();
            decimal valueLeft = total.Value ?? 0m, denLeft = total.Denominator ?? 0m;
            if (indicator.Kind is IndicatorKind.Rate or IndicatorKind.Percentage)
            {
                foreach (var row in SplitRatio(indicator, total, year, category, options, shares, rng))
                {
                    yield return row;
                }
                continue;
            }
            for (var i = 0; i < options.Count; i++)
            {
                var last = i == options.Count - 1;
                var share = (decimal)(shares[i] / sum);
                var disaggregation = Disaggregation.Key(new Dictionary<string, string> { [category] = options[i] });
                switch (indicator.Kind)
                {
                    case IndicatorKind.Count:
                        {
                            var value = last ? valueLeft : Math.Min(valueLeft, Math.Round(total.Value!.Value * share));
                            valueLeft -= value;
                            yield return new DataValueRow(indicator.Code, year, disaggregation, null, null, value, null);
                            break;
                        }
                    case IndicatorKind.Mean:
                        {
                            // Parts keep the total's mean, so the weighted mean of the parts equals the total.
                            var den = last ? denLeft : Math.Round(total.Denominator!.Value * share);
                            denLeft -= den;
                            yield return new DataValueRow(indicator.Code, year, disaggregation, null, den, total.Value, null);
                            break;
                        }
                }
            }
        }
    }

    /// <summary>
    /// Splits a rate's total into sub-groups whose numerators and denominators add up to the total exactly (the
    /// validation rules check that), keeping each numerator within its denominator where the indicator requires it.
    /// </summary>
    private static IEnumerable<DataValueRow> SplitRatio(IndicatorDefinition indicator, DataValueRow total, int year, string category, IReadOnlyList<string> options, double[] shares, Random rng)
    {
        var sum = shares.Sum();
        var dens = new decimal[options.Count];
        var nums = new decimal[options.Count];
        decimal denLeft = total.Denominator!.Value, numLeft = total.Numerator!.Value;
        for (var i = 0; i < options.Count; i++)
        {
            var last = i == options.Count - 1;
            dens[i] = last ? denLeft : Math.Round(total.Denominator.Value * (decimal)(shares[i] / sum));
            denLeft -= dens[i];
            nums[i] = last ? numLeft : Math.Min(numLeft, Math.Round(total.Numerator.Value * (decimal)(shares[i] / sum) * (decimal)(0.9 + 0.2 * rng.NextDouble())));
            if (indicator.NumeratorWithinDenominator)
            {
                nums[i] = Math.Min(nums[i], dens[i]);
            }
            numLeft -= nums[i];
        }
        // What the last group could not take (its numerator capped by its denominator) goes to groups with room.
        for (var i = 0; numLeft > 0 && i < options.Count; i++)
        {
            var room = indicator.NumeratorWithinDenominator ? dens[i] - nums[i] : numLeft;
            var moved = Math.Min(room, numLeft);
            nums[i] += moved;
            numLeft -= moved;
        }
        for (var i = 0; i < options.Count; i++)
        {
            var disaggregation = Disaggregation.Key(new Dictionary<string, string> { [category] = options[i] });
            yield return new DataValueRow(indicator.Code, year, disaggregation, nums[i], dens[i], null, null);
        }
    }

    private static DataValueRow Figure(IndicatorDefinition indicator, decimal level, decimal size, Random rng)
    {
        switch (indicator.Kind)
        {
            case IndicatorKind.Rate:
                {
                    var den = Math.Round(DenominatorScale(indicator) * size);
                    var num = Math.Max(0m, Math.Round(level * den / indicator.Factor));
                    if (indicator.NumeratorWithinDenominator && num > den)
                    {
                        num = den;
                    }
                    return new DataValueRow(indicator.Code, 0, Disaggregation.Total, num, den, null, null);
                }
            case IndicatorKind.Percentage:
                {
                    var den = Math.Round(DenominatorScale(indicator) * size);
                    var pct = indicator.NumeratorWithinDenominator ? Math.Clamp(level, 0m, 100m) : Math.Max(0m, level);
                    var num = Math.Round(pct * den / 100m);
                    return new DataValueRow(indicator.Code, 0, Disaggregation.Total, num, den, null, null);
                }
            case IndicatorKind.Mean:
                {
                    var weight = Math.Round(200_000m + 800_000m * (decimal)rng.NextDouble());
                    return new DataValueRow(indicator.Code, 0, Disaggregation.Total, null, weight, Math.Round(level, 2), null);
                }
            default:
                return new DataValueRow(indicator.Code, 0, Disaggregation.Total, null, null, Math.Max(0m, Math.Round(level * size)), null);
        }
    }

    private static decimal DenominatorScale(IndicatorDefinition indicator) => indicator.Factor switch
    {
        >= 100_000m => 5_000m,   // live births in a county
        >= 1_000m => 5_000m,
        _ => 20_000m,
    };

    private decimal Level(IndicatorDefinition indicator, Random rng)
    {
        var target = data.TargetsFor("000000", indicator.Code, Disaggregation.Total).FirstOrDefault(t => t.Value is not null)?.Value;
        var u = (decimal)rng.NextDouble();
        return (indicator.Kind, indicator.Direction, target) switch
        {
            (IndicatorKind.Percentage, Direction.Higher, { } t) => Math.Min(99.5m, t * (0.85m + 0.25m * u)),
            (IndicatorKind.Percentage, Direction.Lower, { } t) => t * (0.6m + 0.9m * u),
            (IndicatorKind.Percentage, _, { } t) => t * (0.9m + 0.2m * u),
            (IndicatorKind.Percentage, _, null) => 30m + 60m * u,
            (IndicatorKind.Rate, Direction.Lower, { } t) => t * (0.7m + 0.8m * u),
            (IndicatorKind.Rate, _, { } t) => t * (0.9m + 0.2m * u),
            (IndicatorKind.Rate, _, null) when indicator.Factor == 100m => 100m + 15m * u,
            (IndicatorKind.Rate, _, null) when indicator.Factor >= 100_000m => 5m + 35m * u,
            (IndicatorKind.Rate, _, null) => 2m + 8m * u,
            (IndicatorKind.Mean, _, { } t) => t * (0.97m + 0.06m * u),
            (IndicatorKind.Mean, _, null) when indicator.Unit == "岁" => 76m + 5m * u,
            (IndicatorKind.Mean, _, null) => 5m + 10m * u,
            (_, _, { } t) => t * (0.8m + 0.4m * u),
            _ => 10m + 90m * u,
        };
    }

    private static decimal Trend(IndicatorDefinition indicator, int year)
    {
        var steps = year - 2020;
        var perYear = indicator.Direction switch { Direction.Higher => 1.01m, Direction.Lower => 0.96m, _ => 1m };
        var factor = 1m;
        for (var i = 0; i < steps; i++)
        {
            factor *= perYear;
        }
        return factor;
    }

    /// <summary>FNV-1a over the parts: stable across processes, unlike string.GetHashCode.</summary>
    private static int Hash(int seed, string a, string b, int c)
    {
        unchecked
        {
            var h = 2166136261u ^ (uint)seed;
            foreach (var ch in a + "|" + b + "|" + c.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                h = (h ^ ch) * 16777619u;
            }
            // Finalise (MurmurHash3's fmix32): without it, seeds for consecutive years differ in a few low bits only,
            // and System.Random's first draws from such seeds move almost linearly — the "noise" became a smooth trend
            // with a jump wherever the year's last digit flipped more bits (2024 → 2025), which the fluctuation rule caught.
            h ^= h >> 16;
            h *= 0x85ebca6bu;
            h ^= h >> 13;
            h *= 0xc2b2ae35u;
            h ^= h >> 16;
            return (int)(h & 0x7fffffff);
        }
    }
}
