using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Gateway.Apis;
using OrleansPlans.Gateway.Monitoring;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// Open pages reload together on each change: a roll-up or series response missed by many callers at once is built at
/// most twice, and a subtree's warnings are asked of its counties at most twice — never answered from work that started
/// before the caller arrived.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SharedBuildTests(ApiFixture fixture)
{
    private sealed record Doc(int Build, ContributionVersion Version);

    [Fact]
    public async Task Callers_missing_the_same_entry_share_builds_and_a_new_version_is_built_again()
    {
        var cache = new RollupResponseCache(Options.Create(new JsonOptions()));
        var version = new ContributionVersion(7, 1);
        var builds = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<Doc> Build()
        {
            var n = Interlocked.Increment(ref builds);
            await gate.Task;
            return new Doc(n, version);
        }

        var callers = Enumerable.Range(0, 20).Select(_ => cache.BuildSharedAsync("510000|2024", () => Task.FromResult(version), Build)).ToArray();
        Assert.Equal(1, builds);
        gate.SetResult();
        var answers = await Task.WhenAll(callers);
        // The first caller's build, then one more version read for the 19 that arrived during it: the entry is stored
        // by then, so they share it without a second build.
        Assert.Equal(1, builds);
        Assert.All(answers, a => Assert.Same(answers[0], a));
        Assert.Equal(RollupResponseCache.ETagOf(version), answers[0].ETag);

        // A change moves the version: the next caller gets a new build, not the stored one.
        version = new ContributionVersion(7, 2);
        var after = await cache.BuildSharedAsync("510000|2024", () => Task.FromResult(version), Build);
        Assert.Equal(2, builds);
        Assert.Equal(RollupResponseCache.ETagOf(version), after.ETag);
        Assert.Contains("\"build\":2", System.Text.Encoding.UTF8.GetString(after.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_moving_during_a_build_costs_one_more_build_shared_by_every_later_caller()
    {
        var cache = new RollupResponseCache(Options.Create(new JsonOptions()));
        var version = new ContributionVersion(3, 1);
        var builds = 0;
        var gates = new[] { new TaskCompletionSource(), new TaskCompletionSource(), new TaskCompletionSource() };
        async Task<Doc> Build()
        {
            var n = Interlocked.Increment(ref builds);
            var seen = version;
            await gates[n - 1].Task;
            return new Doc(n, seen);
        }

        var first = cache.BuildSharedAsync("k", () => Task.FromResult(version), Build);
        version = new ContributionVersion(3, 2); // a push acknowledged while the first build runs
        var later = Enumerable.Range(0, 10).Select(_ => cache.BuildSharedAsync("k", () => Task.FromResult(version), Build)).ToArray();
        gates[0].SetResult();
        Assert.Contains("\"build\":1", System.Text.Encoding.UTF8.GetString((await first).Body), StringComparison.Ordinal);
        await CoalescedReadTests.WaitUntil(() => builds == 2);
        gates[1].SetResult();
        var answers = await Task.WhenAll(later);
        Assert.Equal(2, builds);
        Assert.All(answers, a => Assert.Equal(RollupResponseCache.ETagOf(new ContributionVersion(3, 2)), a.ETag));
    }

    [Fact]
    public async Task The_same_subtree_question_asked_at_once_is_asked_of_the_counties_at_most_twice()
    {
        var queries = fixture.Services.GetRequiredService<MonitoringQueries>();
        var asked = 0;
        var gates = new List<TaskCompletionSource<int>>();
        Task<int> Ask()
        {
            var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gates)
            {
                gates.Add(gate);
            }
            Interlocked.Increment(ref asked);
            return gate.Task;
        }

        var question = $"test|{Guid.NewGuid()}";
        var first = queries.SharedAsync(question, Ask);
        var during = Enumerable.Range(0, 15).Select(_ => queries.SharedAsync(question, Ask)).ToArray();
        Assert.Equal(1, asked);
        gates[0].SetResult(1);
        Assert.Equal(1, await first);
        // The callers that arrived during the first fan-out get the next one, which started after them.
        await CoalescedReadTests.WaitUntil(() => asked == 2);
        gates[1].SetResult(2);
        Assert.All(await Task.WhenAll(during), a => Assert.Equal(2, a));
        Assert.Equal(2, asked);

        // Nothing is reused once answered: the next caller asks again.
        var next = queries.SharedAsync(question, Ask);
        Assert.Equal(3, asked);
        gates[2].SetResult(3);
        Assert.Equal(3, await next);
    }
}
