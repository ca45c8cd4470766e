using System.Text.Json;
using OrleansPlans.Contracts;
using OrleansPlans.Gateway.Extensions;
using OrleansPlans.Gateway.Model;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// A roll-up's figures written by <see cref="RollupIndicatorJsonConverter"/> are byte for byte what the API's reflection
/// serializer writes with the same options (camelCase, nulls left out, enums as camelCase strings, UTF-8 text).
/// </summary>
public sealed class RollupIndicatorJsonTests
{
    private static readonly JsonSerializerOptions Api = Options(withConverter: true);
    private static readonly JsonSerializerOptions Reflection = Options(withConverter: false);

    private static JsonSerializerOptions Options(bool withConverter)
    {
        var options = new JsonSerializerOptions();
        ApiExtensions.Configure(options);
        var converter = Assert.Single(options.Converters, c => c is RollupIndicatorJsonConverter);
        if (!withConverter)
        {
            options.Converters.Remove(converter);
        }
        return options;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_roll_up_is_written_as_the_reflection_serializer_writes_it(int seed)
    {
        var random = new Random(seed);
        var response = new RollupResponse(new OrgUnitRef("511725", "渠县", "county"), 2024, DateTimeOffset.UnixEpoch, null, new StatusCounts(3, 1, 0, 2),
            [.. Enumerable.Range(0, 300).Select(i => RandomFigure(random, i))], null);

        var written = JsonSerializer.SerializeToUtf8Bytes(response, Api);

        Assert.Equal(System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(response, Reflection)), System.Text.Encoding.UTF8.GetString(written));
    }

    private static RollupIndicatorResponse RandomFigure(Random random, int i)
    {
        string?[] texts = [null, "孕产妇死亡率控制在12/10万以下", "a \"quoted\" \\ text <b>&amp;</b>", "", "line\nbreak\ttab", "emoji 👩‍👧"];
        string? Text() => texts[random.Next(texts.Length)];
        decimal? Number() => random.Next(4) switch
        {
            0 => null,
            1 => random.Next(-5, 100_000),
            2 => Math.Round((decimal)random.NextDouble() * 100m, random.Next(0, 5)),
            _ => new decimal(random.Next(), random.Next(), 0, random.Next(2) == 0, (byte)random.Next(0, 12)),
        };
        // Defined statuses mostly; an undefined one now and then, which the enum converter writes as a number.
        TargetStatus Status() => random.Next(20) == 0 ? (TargetStatus)(4 + random.Next(3)) : (TargetStatus)random.Next(4);
        StatusCounts Counts() => new(random.Next(50), random.Next(50), random.Next(5), random.Next(5));
        var disaggregation = random.Next(6) switch
        {
            0 => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(),
            1 => new Dictionary<string, string> { ["sex"] = "female", ["area"] = "rural" },
            2 => new Dictionary<string, string> { ["age"] = "0-5岁" },
            3 => null!,
            _ => new Dictionary<string, string> { ["area"] = "urban" },
        };
        var target = random.Next(3) == 0 ? null : new TargetView(
            random.Next(2) == 0 ? "≤" : "increase", Number(), random.Next(5) == 0 ? null! : "1/10万", 2020 + random.Next(11), random.Next(2) == 0,
            random.Next(2) == 0 ? 2020 : null, Number(), random.Next(6) == 0 ? null! : "plan:women-2021", Text());
        var children = random.Next(4) != 0 ? null : Enumerable.Range(0, random.Next(4)).Select(c =>
            new ChildContribution($"5117{c:00}", "达州市" + c, Number(), Number(), Number(), random.Next(10), Counts(), Status())).ToArray();
        return new RollupIndicatorResponse(
            $"indicator-{i}", Text()!, Text()!, random.Next(5) == 0 ? null! : "women", "health", random.Next(7) == 0 ? null! : "%",
            disaggregation, Number(), Number(), Number(), target, Status(), random.Next(200), random.Next(200),
            random.Next(8) == 0 ? null! : Counts(), children);
    }
}
