using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// Pushes enter the cluster in turn (<see cref="PushAdmission"/>): a gateway of its own with one slot and one waiting
/// place. A push beyond that is answered 503 ProblemDetails with Retry-After and changes nothing; bad batches and reads
/// are answered meanwhile.
/// </summary>
public sealed class PushAdmissionTests : IDisposable
{
    private const string Push = """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 2, "denominator": 8000 } ] }""";
    private readonly ApiFixture _fixture = new();

    public PushAdmissionTests()
    {
        _fixture.Settings["OrleansPlans:Pushes:MaxConcurrent"] = "1";
        _fixture.Settings["OrleansPlans:Pushes:MaxWaiting"] = "1";
    }

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Pushes_wait_for_a_slot_in_arrival_order_and_one_more_than_the_waiting_places_is_refused()
    {
        var admission = new PushAdmission(Options.Create(new PushAdmissionOptions { MaxConcurrent = 1, MaxWaiting = 1 }));
        var first = await admission.EnterAsync(CancellationToken.None);
        Assert.NotNull(first);
        var second = admission.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.Null(await admission.EnterAsync(CancellationToken.None));
        Assert.Equal((1, 1), admission.Count());

        first!.Dispose();
        first.Dispose();   // a second dispose releases nothing more
        using (var lease = await second.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.NotNull(lease);
            Assert.Equal((1, 0), admission.Count());
        }
        Assert.Equal((0, 0), admission.Count());

        // A waiting push whose client gives up leaves its place.
        using var holder = await admission.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var abandoned = admission.EnterAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal((1, 0), admission.Count());
    }

    [Fact]
    public async Task A_push_beyond_the_waiting_places_gets_503_with_retry_after_and_changes_nothing()
    {
        var http = _fixture.ClientAs("county-reporter", "511725");
        var viewer = _fixture.ClientAs("viewer", "510000");
        var admission = _fixture.Services.GetRequiredService<PushAdmission>();
        var busy = await admission.EnterAsync(CancellationToken.None);
        var waiting = admission.EnterAsync(CancellationToken.None).AsTask();
        try
        {
            var refused = await http.PostAsync("/api/v1/counties/511725/data-values", new StringContent(Push, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            Assert.EndsWith("/busy", (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["type"]!);

            // A bad batch is still answered at once (validated before it would wait), and reads are never held.
            var bad = await http.PostAsync("/api/v1/counties/511725/data-values",
                new StringContent("""{ "year": 2023, "values": [ { "indicator": "no-such-indicator", "value": 1 } ] }""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/org-units/510000/rollup?year=2023")).StatusCode);
            Assert.Null(await MaternalMortality(viewer));
        }
        finally
        {
            busy!.Dispose();
            (await waiting)!.Dispose();
        }

        var accepted = await http.PostAsync("/api/v1/counties/511725/data-values", new StringContent(Push, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(25m, await MaternalMortality(viewer));   // 2 / 8,000 × 100,000
        Assert.Equal((0, 0), admission.Count());
    }

    private static async Task<decimal?> MaternalMortality(HttpClient viewer)
    {
        var json = JsonNode.Parse(await (await viewer.GetAsync("/api/v1/org-units/511725/rollup?year=2023")).Content.ReadAsStringAsync())!;
        var entry = json["indicators"]!.AsArray().FirstOrDefault(e => (string)e!["indicator"]! == "maternal-mortality-rate" && e["disaggregation"]!.AsObject().Count == 0);
        return entry is null ? null : (decimal)entry["value"]!;
    }
}
