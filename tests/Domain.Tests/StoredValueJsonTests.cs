using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OrleansPlans.Contracts;
using OrleansPlans.Counties;
using Orleans.Serialization;

namespace OrleansPlans.Domain.Tests;

/// <summary>
/// The stored JSON form of a figure, written and read by <see cref="StoredValueJsonConverter"/>: what the reflection
/// serializer wrote before (less the computed <c>FirstReported</c>), and rows written before read back the same.
/// </summary>
public sealed class StoredValueJsonTests
{
    /// <summary>The grain storage's options as the silo sets them (<see cref="GrainStateJson"/>).</summary>
    private static readonly JsonSerializerOptions Storage = StorageOptions(GrainStateJson.Configure);

    /// <summary>The options before the converter: the reflection serializer that wrote every row until session 18.</summary>
    private static readonly JsonSerializerOptions Reflection = StorageOptions(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

    private static JsonSerializerOptions StorageOptions(Action<JsonSerializerOptions> configure)
    {
        // Orleans' defaults for the storage serializer, then the silo's settings.
        var options = new JsonSerializerOptions(new SystemTextJsonGrainStorageSerializerOptions().JsonSerializerOptions);
        configure(options);
        return options;
    }

    /// <summary>The reflection serializer without the computed property, which the converter no longer writes.</summary>
    private static readonly JsonSerializerOptions ReflectionWithoutComputed = new(Reflection)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type == typeof(StoredValue))
                    {
                        info.Properties.Remove(info.Properties.Single(p => p.Name == nameof(StoredValue.FirstReported)));
                    }
                },
            },
        },
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_year_row_is_written_byte_for_byte_as_the_reflection_serializer_wrote_it_less_the_computed_time(int seed)
    {
        var row = RandomRow(new Random(seed));

        var written = JsonSerializer.SerializeToUtf8Bytes(row, Storage);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(row, ReflectionWithoutComputed), written);
        Assert.DoesNotContain("\"FirstReported\"", System.Text.Encoding.UTF8.GetString(written), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Rows_written_before_read_back_the_same_figures_offsets_and_scales(int seed)
    {
        var row = RandomRow(new Random(seed));
        var old = JsonSerializer.SerializeToUtf8Bytes(row, Reflection);
        Assert.Contains("\"FirstReported\"", System.Text.Encoding.UTF8.GetString(old), StringComparison.Ordinal);

        foreach (var bytes in new[] { old, JsonSerializer.SerializeToUtf8Bytes(row, Storage) })
        {
            var back = JsonSerializer.Deserialize<CountyYearFigures>(bytes, Storage)!;
            Assert.Equal(Flatten(row), Flatten(back));
            Assert.Equal(Flatten(JsonSerializer.Deserialize<CountyYearFigures>(bytes, Reflection)!), Flatten(back));
        }
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"Numerator":null,"Denominator":5,"Department":null,"ReportedAt":"2024-03-01T08:00:00+08:00"}""")]
    [InlineData("""{"Value":1.50,"BatchId":"0b1e5c3a-7a8e-4c0e-9d51-3f9b8f1f0a11","FirstReportedAt":null,"Extra":{"a":[1,{"b":2}]},"Department":"妇联"}""")]
    [InlineData("""{"Num\u0065rator":7,"Denominator":-0.0,"Value":1e2,"FirstReported":"2020-01-01T00:00:00Z","Department":"卫健局","Department":"统计局"}""")]
    [InlineData("""{"numerator":7,"NUMERATOR":8}""")]
    public void Any_object_reads_as_the_reflection_reader_reads_it(string json)
    {
        var converted = JsonSerializer.Deserialize<StoredValue>(json, Storage)!;
        var reflected = JsonSerializer.Deserialize<StoredValue>(json, Reflection)!;

        Assert.Equal(Describe(reflected), Describe(converted));
    }

    [Theory]
    [InlineData("""{"Numerator":"7"}""")]
    [InlineData("""{"Denominator":true}""")]
    [InlineData("""{"ReportedAt":"yesterday"}""")]
    [InlineData("""{"ReportedAt":12}""")]
    [InlineData("""{"BatchId":"not-a-guid"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""7""")]
    public void What_the_reflection_reader_refuses_is_refused(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<StoredValue>(json, Reflection));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<StoredValue>(json, Storage));
    }

    [Fact]
    public void A_null_figure_stays_null()
    {
        var map = new Dictionary<string, StoredValue?> { ["a"] = null };
        var json = JsonSerializer.Serialize(map, Storage);
        Assert.Equal("""{"a":null}""", json);
        Assert.Null(JsonSerializer.Deserialize<Dictionary<string, StoredValue?>>(json, Storage)!["a"]);
    }

    private static CountyYearFigures RandomRow(Random random)
    {
        string[] departments = ["卫生健康局", "教育局", "民政局", "statistics", "妇联 \"women's federation\"", "a\\b<c>&'"];
        var row = new CountyYearFigures();
        for (var i = 0; i < 30; i++)
        {
            var figures = new Dictionary<string, StoredValue>(StringComparer.Ordinal);
            for (var k = 0; k < 6; k++)
            {
                var offset = TimeSpan.FromMinutes(random.Next(-14 * 4, 14 * 4 + 1) * 15);
                var at = new DateTimeOffset(2020 + random.Next(7), 1 + random.Next(12), 1 + random.Next(28), random.Next(24), random.Next(60), random.Next(60), offset)
                    .AddTicks(random.Next(3) == 0 ? random.Next(10_000_000) : 0);
                figures[k == 0 ? "" : $"sex=female|age={k}"] = new StoredValue(
                    Maybe(random), Maybe(random), Maybe(random), departments[random.Next(departments.Length)],
                    at, random.Next(5) == 0 ? Guid.Empty : new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()),
                    random.Next(3) == 0 ? at.AddDays(-random.Next(400)).ToOffset(TimeSpan.FromHours(random.Next(-12, 15))) : null);
            }
            row.Indicators[$"indicator-{i}"] = figures;
        }
        return row;
    }

    private static decimal? Maybe(Random random) => random.Next(4) switch
    {
        0 => null,
        1 => random.Next(0, 100_000),
        2 => Math.Round((decimal)random.NextDouble() * 1000m, random.Next(0, 6)),
        _ => new decimal(random.Next(), random.Next(), random.Next(0, 1000), random.Next(2) == 0, (byte)random.Next(0, 20)),
    };

    /// <summary>Every figure with what record equality leaves out: decimal scales and time offsets.</summary>
    private static string[] Flatten(CountyYearFigures row) =>
        [.. row.Indicators.OrderBy(i => i.Key, StringComparer.Ordinal)
            .SelectMany(i => i.Value.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{i.Key}|{d.Key}|{Describe(d.Value)}"))];

    private static string Describe(StoredValue value) => string.Join(";",
        value.Numerator?.ToString(System.Globalization.CultureInfo.InvariantCulture), value.Denominator?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        value.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture), value.Department,
        value.ReportedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture), value.BatchId,
        value.FirstReportedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
