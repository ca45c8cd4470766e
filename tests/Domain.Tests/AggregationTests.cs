using OrleansPlans.Contracts;
using static OrleansPlans.Domain.Tests.TestCatalogue;

namespace OrleansPlans.Domain.Tests;

public class AggregationTests
{
    private static RollupCell Cell(IndicatorDefinition indicator, decimal? num, decimal? den, decimal? value)
    {
        var (n, d) = Aggregation.Parts(indicator, num, den, value);
        return new RollupCell(new CellKey(indicator.Code, 2023, ""), n, d, 1, StatusCounts.Of(TargetStatus.NoTarget));
    }

    [Fact]
    public void Rate_is_pooled_from_numerators_and_denominators_never_averaged()
    {
        // County A: 1 death / 2,000 births = 50 per 100k; county B: 1 / 18,000 = 5.5556 per 100k.
        var sum = Aggregation.Sum(new CellKey(MaternalMortality.Code, 2023, ""), [Cell(MaternalMortality, 1, 2_000, null), Cell(MaternalMortality, 1, 18_000, null)]);

        Assert.Equal(2m, sum.Numerator);
        Assert.Equal(20_000m, sum.Denominator);
        Assert.Equal(10m, Aggregation.ValueOf(MaternalMortality, sum.Numerator, sum.Denominator)); // not (50 + 5.56) / 2 = 27.78
        Assert.Equal(2, sum.ReportingUnits);
    }

    [Fact]
    public void Percentage_is_pooled()
    {
        var sum = Aggregation.Sum(new CellKey(Screening.Code, 2023, ""), [Cell(Screening, 90, 100, null), Cell(Screening, 500, 1_000, null)]);
        Assert.Equal(53.6364m, Aggregation.ValueOf(Screening, sum.Numerator, sum.Denominator));
    }

    [Fact]
    public void Counts_are_summed()
    {
        var sum = Aggregation.Sum(new CellKey(Homes.Code, 2023, ""), [Cell(Homes, null, null, 12), Cell(Homes, null, null, 30)]);
        Assert.Null(sum.Denominator);
        Assert.Equal(42m, Aggregation.ValueOf(Homes, sum.Numerator, sum.Denominator));
    }

    [Fact]
    public void Means_are_weighted_by_their_denominator()
    {
        // 80 years over 100,000 people and 77 years over 300,000 people: (8,000,000 + 23,100,000) / 400,000 = 77.75.
        var sum = Aggregation.Sum(new CellKey(LifeExpectancy.Code, 2023, ""), [Cell(LifeExpectancy, null, 100_000, 80), Cell(LifeExpectancy, null, 300_000, 77)]);
        Assert.Equal(77.75m, Aggregation.ValueOf(LifeExpectancy, sum.Numerator, sum.Denominator));
    }

    [Fact]
    public void A_zero_denominator_has_no_value()
    {
        Assert.Null(Aggregation.ValueOf(MaternalMortality, 0, 0));
    }

    [Fact]
    public void Status_counts_add_up_over_children()
    {
        var a = new RollupCell(new CellKey("x", 2023, ""), 1, 2, 1, StatusCounts.Of(TargetStatus.Met));
        var b = new RollupCell(new CellKey("x", 2023, ""), 1, 2, 1, StatusCounts.Of(TargetStatus.NotMet));
        var c = new RollupCell(new CellKey("x", 2023, ""), 1, 2, 1, StatusCounts.Of(TargetStatus.Met));
        Assert.Equal(new StatusCounts(2, 1, 0, 0), Aggregation.Sum(a.Key, [a, b, c]).Statuses);
    }

    [Fact]
    public void Replacing_a_childs_status_moves_one_count_from_one_status_to_the_other()
    {
        var total = new StatusCounts(3, 2, 1, 0);
        Assert.Equal(new StatusCounts(2, 3, 1, 0), total.Replace(StatusCounts.Of(TargetStatus.Met), StatusCounts.Of(TargetStatus.NotMet)));
        Assert.Equal(new StatusCounts(3, 2, 1, 1), total.Replace(StatusCounts.Zero, StatusCounts.Of(TargetStatus.NoData)));
        Assert.Equal(new StatusCounts(3, 2, 0, 0), total.Replace(StatusCounts.Of(TargetStatus.NoTarget), StatusCounts.Zero));
        Assert.Equal(new StatusCounts(5, 2, 1, 0), total.Replace(new StatusCounts(1, 0, 0, 0), new StatusCounts(3, 0, 0, 0)));
        // Unchanged (the common case of a corrected figure): no new record.
        Assert.Same(total, total.Replace(StatusCounts.Of(TargetStatus.Met), new StatusCounts(1, 0, 0, 0)));
        Assert.Same(total, total.Add(StatusCounts.Zero));
        Assert.Same(total, total.Subtract(new StatusCounts(0, 0, 0, 0)));
        Assert.Equal(new StatusCounts(2, 2, 1, 0), total.Subtract(StatusCounts.Of(TargetStatus.Met)));
        Assert.Equal(new StatusCounts(0, 0, 0, 1), StatusCounts.Of(TargetStatus.NoData));
        Assert.Same(StatusCounts.Of(TargetStatus.Met), StatusCounts.Of(TargetStatus.Met));
    }

    [Theory]
    [InlineData(1, "1/万", "1/10万", 10)]
    [InlineData(9, "1/10万", "1/10万", 9)]
    [InlineData(3, "‰", "1/10万", 300)]
    [InlineData(70, "%", "%", 70)]
    public void Per_units_convert(decimal value, string from, string to, decimal expected)
    {
        Assert.True(Units.TryConvert(value, from, to, out var converted));
        Assert.Equal(expected, converted);
    }

    [Fact]
    public void Unrelated_units_do_not_convert()
    {
        Assert.False(Units.Convertible("岁", "%"));
    }

    [Fact]
    public void Disaggregation_keys_are_canonical()
    {
        Assert.Equal("area=rural;sex=female", Disaggregation.Key(new Dictionary<string, string> { ["sex"] = "female", ["area"] = "rural" }));
        Assert.Equal("", Disaggregation.Key(new Dictionary<string, string>()));
        Assert.Equal("rural", Disaggregation.Parse("area=rural;sex=female")["area"]);
    }
}
