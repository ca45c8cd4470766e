using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Tests;

public class BatchValidationTests
{
    private readonly PlanData _data = TestCatalogue.Create();

    private static DataValueRow Mmr(decimal? num = 1, decimal? den = 5000, int year = 2023, string disaggregation = "") =>
        new("maternal-mortality-rate", year, disaggregation, num, den, null, null);

    private List<RowError> Validate(params DataValueRow[] rows) => BatchValidation.Validate(_data, "511725", rows, 2026);

    [Fact]
    public void A_good_batch_has_no_errors() =>
        Assert.Empty(Validate(Mmr(), Mmr(disaggregation: "area=rural"), new DataValueRow("children-homes-count", 2023, "", null, null, 12, "民政局")));

    [Fact]
    public void Unknown_county_is_rejected() =>
        Assert.Contains(BatchValidation.Validate(_data, "511700", [Mmr()], 2026), e => e.Field == "county");

    [Theory]
    [InlineData(2019, "outside the reporting period")]
    [InlineData(2031, "outside the reporting period")]
    [InlineData(2027, "future")]
    public void Year_must_be_in_the_period_and_not_in_the_future(int year, string reason)
    {
        var error = Assert.Single(Validate(Mmr(year: year)));
        Assert.Equal((0, "year"), (error.Row, error.Field));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Each_bad_row_is_named_with_its_field()
    {
        var errors = Validate(
            Mmr(),                                                      // 0 fine
            new DataValueRow("no-such-indicator", 2023, "", 1, 2, null, null), // 1
            Mmr(num: 3, den: 2, disaggregation: "area=urban"),          // 2 numerator > denominator
            Mmr(num: -1, disaggregation: "area=rural"),                 // 3 negative
            Mmr(disaggregation: "sex=female"),                          // 4 not disaggregated by sex
            new DataValueRow("maternal-mortality-rate", 2022, "", null, 5000, null, null), // 5 numerator missing
            new DataValueRow("children-homes-count", 2023, "", null, null, 1.5m, null),    // 6 not whole
            new DataValueRow("children-homes-count", 2022, "", null, null, 1, "外星局"),   // 7 unknown department
            Mmr());                                                     // 8 duplicate of 0
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], errors.Select(e => e.Row).Distinct().Order().ToArray());
        Assert.Contains(errors, e => e is { Row: 1, Field: "indicator" });
        Assert.Contains(errors, e => e is { Row: 2, Field: "numerator" } && e.Message.Contains("exceeds"));
        Assert.Contains(errors, e => e is { Row: 3, Field: "numerator" } && e.Message.Contains("negative"));
        Assert.Contains(errors, e => e is { Row: 4, Field: "disaggregation.sex" });
        Assert.Contains(errors, e => e is { Row: 5, Field: "numerator" } && e.Message.Contains("required"));
        Assert.Contains(errors, e => e is { Row: 6, Field: "value" });
        Assert.Contains(errors, e => e is { Row: 7, Field: "department" });
        Assert.Contains(errors, e => e is { Row: 8, Field: "indicator" } && e.Message.Contains("duplicates row 0"));
    }

    [Fact]
    public void Rates_take_numerator_and_denominator_not_a_value()
    {
        var error = Assert.Single(Validate(new DataValueRow("maternal-mortality-rate", 2023, "", 1, 5000, 20, null)));
        Assert.Equal("value", error.Field);
    }

    [Fact]
    public void Huge_numbers_and_empty_batches_are_rejected()
    {
        Assert.Contains(Validate(Mmr(num: 1, den: 10_000_000_000_000m)), e => e.Field == "denominator");
        Assert.Contains(Validate(), e => e.Field == "values");
    }

    [Fact]
    public void Too_many_rows_are_rejected()
    {
        var rows = Enumerable.Range(0, BatchValidation.MaxRows + 1).Select(_ => Mmr()).ToArray();
        Assert.Contains(Validate(rows), e => e.Row == -1 && e.Message.Contains("at most"));
    }
}
