using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>A county's page of its register: the counts and the newest records, in the API's order.</summary>
public sealed class WarningPagesTests
{
    private static readonly DateTimeOffset Noon = new(2025, 4, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_newest_records_are_those_a_full_sort_puts_first(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            // Few distinct times and keys, so that ties on time, and on time and key, are common.
            var records = Enumerable.Range(0, random.Next(0, 60)).Select(_ => Record(random)).ToList();
            int? limit = random.Next(4) == 0 ? null : random.Next(-1, 70);
            var expected = records.OrderByDescending(w => w.ClearedAt ?? w.RaisedAt).ThenBy(w => w.Key, StringComparer.Ordinal)
                .Take(limit ?? int.MaxValue).ToArray();
            var actual = WarningPages.Newest(records, limit);
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Same(expected[i], actual[i]);
            }
        }
    }

    [Fact]
    public void The_counts_cover_every_matching_record_not_only_the_page()
    {
        var records = new List<WarningRecord>
        {
            Record("fluctuation", "health", Noon),
            Record("fluctuation", null, Noon.AddMinutes(1)),
            Record("projectedMiss", "health", Noon.AddMinutes(2)),
        };
        var page = WarningPages.Of(records, 1);
        Assert.Equal(3, page.Total);
        Assert.Equal(new Dictionary<string, int> { ["fluctuation"] = 2, ["projectedMiss"] = 1 }, page.ByKind);
        Assert.Equal(new Dictionary<string, int> { ["health"] = 2, [""] = 1 }, page.ByDepartment);
        Assert.Same(records[2], Assert.Single(page.Warnings));
    }

    private static WarningRecord Record(Random random)
    {
        var raised = Noon.AddMinutes(random.Next(0, 4));
        DateTimeOffset? cleared = random.Next(3) == 0 ? raised.AddMinutes(random.Next(0, 3)) : null;
        var kind = random.Next(2) == 0 ? "fluctuation" : "validationRule";
        return new WarningRecord(kind, "cn-511725", random.Next(2) == 0 ? "birth-rate" : "birth-rate-x", 2020 + random.Next(0, 2), "", "", "health", "m", [], raised, cleared);
    }

    private static WarningRecord Record(string kind, string? department, DateTimeOffset raised) =>
        new(kind, "cn-511725", "maternal-mortality-rate", 2024, "", "", department, "m", [], raised, null);
}
