using System.Text;
using OrleansPlans.Contracts;
using OrleansPlans.Gateway.Model;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// What the JSON batch reader makes of a body: the rows, and every syntax error with its row, field and message, in the
/// order a client sees them in the ProblemDetails (unknown fields first, in the body's order, then each known field).
/// </summary>
public sealed class BatchParsingTests
{
    private static (DataValueRow[] Rows, string[] Errors) Parse(string json)
    {
        var parsed = BatchParsing.FromJson(Encoding.UTF8.GetBytes(json));
        return (parsed.Rows, [.. parsed.Errors.Select(e => $"{e.Row}|{e.Field}|{e.Message}")]);
    }

    [Fact]
    public void A_valid_batch_reads_every_field_the_disaggregation_in_key_order_and_the_row_year_over_the_batch_year()
    {
        var (rows, errors) = Parse("""
            { "values": [
                { "department": "卫健局", "value": null, "denominator": 3900, "numerator": 3, "disaggregation": { "sex": "female", "area": "rural" }, "indicator": "maternal-mortality-rate" },
                { "indicator": "live-births", "value": 12.50, "disaggregation": null, "department": null, "year": 2022 },
                { "indic\u0061tor": "x", "numerator": 0e5, "denominator": -0.5 }
              ], "year": 2023 }
            """);

        Assert.Empty(errors);
        Assert.Equal(
            [
                new DataValueRow("maternal-mortality-rate", 2023, "area=rural;sex=female", 3m, 3900m, null, "卫健局"),
                new DataValueRow("live-births", 2022, "", null, null, 12.50m, null),
                new DataValueRow("x", 2023, "", 0m, -0.5m, null, null),
            ],
            rows);
        Assert.Equal("12.50", rows[1].Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Every_bad_field_of_a_row_is_named_unknown_fields_first_and_the_row_is_left_out()
    {
        var (rows, errors) = Parse("""
            { "year": 2023, "values": [
                { "foo": 1, "indicator": 5, "bar": { "a": [1] }, "year": "2023", "disaggregation": { "area": 1, "colour": "red", "sex": "female" },
                  "numerator": "1", "denominator": 1e400, "value": 1e-400, "department": 7 },
                { "indicator": "ok", "numerator": 1, "denominator": 2 },
                7,
                { "disaggregation": "rural", "value": true, "Indicator": "case matters" }
              ] }
            """);

        Assert.Equal([new DataValueRow("ok", 2023, "", 1m, 2m, null, null)], rows);
        Assert.Equal(
            [
                "0|foo|unknown field",
                "0|bar|unknown field",
                "0|indicator|expected a string",
                "0|year|expected a whole number such as 2023",
                "0|disaggregation.area|expected a string",
                "0|disaggregation.colour|unknown category (sex, area or age)",
                "0|numerator|expected a number",
                "0|denominator|1e400 is not a finite number within range",
                "0|value|1e-400 is not a finite number within range",
                "0|department|expected a string",
                "2|(row)|expected an object",
                "3|Indicator|unknown field",
                "3|indicator|required",
                "3|disaggregation|expected an object such as { \"area\": \"rural\" }",
                "3|value|expected a number",
            ],
            errors);
    }

    [Fact]
    public void A_row_without_a_year_needs_one_on_the_batch()
    {
        var (rows, errors) = Parse("""{ "values": [ { "indicator": "a", "value": 1 }, { "indicator": "b", "value": 2, "year": 2024 }, { "indicator": "c", "year": 20.5 } ] }""");

        Assert.Equal([new DataValueRow("b", 2024, "", null, null, 2m, null)], rows);
        Assert.Equal(["0|year|required (on the batch or the row)", "2|year|expected a whole number such as 2023"], errors);
    }

    [Theory]
    [InlineData("""[]""", "-1|(body)|expected a JSON object { \"year\": …, \"values\": [ … ] }")]
    [InlineData("""{ "year": 2023 }""", "-1|values|required: an array of values")]
    [InlineData("""{ "year": 2023, "values": {} }""", "-1|values|required: an array of values")]
    [InlineData("""{ "year": "2023", "extra": 1, "values": [] }""", "-1|extra|unknown field", "-1|year|expected a whole number such as 2023")]
    [InlineData("""{ "year": 2023, "values": [ { "indicator": "a", "value": 1, "value": 2 } ] }""", "-1|(body)|not valid JSON: ")]
    public void A_bad_batch_is_named_at_the_batch_level(string json, params string[] expected)
    {
        var (rows, errors) = Parse(json);

        Assert.Empty(rows);
        Assert.Equal(expected.Length, errors.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i], errors[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Zero_written_with_non_zero_digits_is_refused_but_zero_is_not()
    {
        var (rows, errors) = Parse("""{ "year": 2023, "values": [ { "indicator": "a", "value": 0.000 }, { "indicator": "b", "value": -0 }, { "indicator": "c", "value": 5e-30 }, { "indicator": "d", "value": 1E-28 }, { "indicator": "e", "value": 1E-29 } ] }""");

        Assert.Equal(["a", "b", "d"], rows.Select(r => r.Indicator));
        Assert.Equal(["2|value|5e-30 is not a finite number within range", "4|value|1E-29 is not a finite number within range"], errors);
    }
}
