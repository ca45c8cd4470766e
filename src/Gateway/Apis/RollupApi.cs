using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

public static class RollupApi
{
    public const string SyntheticNotice = "演示数据（合成）: synthetic figures from a seeded generator (docs/demo-data.md), not official statistics";

    public static IEndpointRouteBuilder MapRollupApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/org-units/{code}").WithTags("Roll-ups").RequireOrgScope(OrgAccess.Read);

        api.MapGet("/rollup", GetRollupAsync)
            .Produces<RollupResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetRollup")
            .WithSummary("Every indicator at a county, city or province for a year (default: the latest year with data); children=true adds each child's contribution");

        api.MapGet("/indicators/{indicator}", GetSeriesAsync)
            .Produces<SeriesResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetIndicatorSeries")
            .WithSummary("An indicator's series over the years at an org unit, with targets and evaluation");

        api.MapGet("/consistency", CheckConsistencyAsync)
            .WithName("CheckConsistency")
            .WithSummary("Recompute a city's or province's roll-up from its county-level units and report any difference");
        return app;
    }

    private static async Task<IResult> GetRollupAsync(
        string code, HttpContext http, PlanData data, IGrainFactory grains, RollupGrains rollups, IConfiguration configuration, TimeProvider time, RollupResponseCache cache,
        [FromQuery] int? year, [FromQuery] bool? children, [FromQuery] string? plan, [FromQuery] string? area)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        if (year is < 2000 or > 2100)
        {
            return ApiProblems.BadRequest("year must be between 2000 and 2100");
        }
        // Cities and provinces: the stored response while the roll-up grain's version is unchanged (RollupResponseCache).
        var rollup = rollups.Of(unit);
        if (rollup is null)
        {
            // A county-level unit is read by its own staff's pages, once per change: nothing is stored, but its version
            // still gives the ETag (304 for a page holding the current figures, before anything is built), and its
            // ~170 KB of JSON go out gzip (~30 KB), compressed for this request. Before, every reload of a county page
            // carried the whole document (docs/benchmarks.md, session 16).
            var county = grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(unit.Code));
            var countyVersion = await county.GetVersionAsync();
            if (NotModified(http, RollupResponseCache.ETagOf(countyVersion)) is { } notModified)
            {
                return notModified;
            }
            var own = cache.Unstored(countyVersion, await BuildRollupAsync(unit, data, grains, configuration, time, year, children, plan, area));
            return Cached(http, own, compress: CompressFresh(own));
        }
        var cacheKey = RollupResponseCache.Key(unit.Code, year, time.GetUtcNow().Year, children ?? false, plan, area);
        var version = await rollups.VersionOf(unit, rollup);
        if (cache.TryGet(cacheKey, version) is { } cached)
        {
            return Cached(http, cached, compress: true);
        }
        var built = await cache.BuildSharedAsync(cacheKey, () => rollups.VersionOf(unit, rollup),
            () => BuildRollupAsync(unit, data, grains, configuration, time, year, children, plan, area));
        return Cached(http, built, compress: CompressFresh(built));
    }

    /// <summary>A cached roll-up: 304 when the client holds this version, gzip when it accepts it.</summary>
    private static IResult Cached(HttpContext http, CachedRollup cached, bool compress)
    {
        var headers = http.Response.Headers;
        headers.Vary = "Accept-Encoding";
        headers.CacheControl = "no-cache";
        if (cached.ETag.Length == 0)
        {
            return TypedResults.Bytes(cached.Body, "application/json; charset=utf-8");
        }
        if (NotModified(http, cached.ETag) is { } notModified)
        {
            return notModified;
        }
        if (compress && AcceptEncoding.AllowsGzip(http.Request.Headers.AcceptEncoding))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(cached.Gzip, "application/json; charset=utf-8");
        }
        return TypedResults.Bytes(cached.Body, "application/json; charset=utf-8");
    }

    /// <summary>304 with the validator's headers when the client's If-None-Match holds <paramref name="etag"/>; else null
    /// (and the ETag header is set for the response to come).</summary>
    private static IResult? NotModified(HttpContext http, string etag)
    {
        if (etag.Length == 0)
        {
            return null;
        }
        var headers = http.Response.Headers;
        headers.Vary = "Accept-Encoding";
        headers.CacheControl = "no-cache";
        headers.ETag = etag;
        return http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == etag || tag.Trim() == "*"))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : null;
    }

    private static async Task<RollupResponse> BuildRollupAsync(
        OrgUnit unit, PlanData data, IGrainFactory grains, IConfiguration configuration, TimeProvider time,
        int? year, bool? children, string? plan, string? area)
    {
        RollupView view;
        if (year is { } y)
        {
            view = await RollupOf(grains, unit, y, children ?? false);
        }
        else
        {
            // The latest year with figures, looking back from this year to the baseline.
            view = await RollupOf(grains, unit, time.GetUtcNow().Year, children ?? false);
            for (var candidate = time.GetUtcNow().Year - 1; view.Entries.Length == 0 && candidate >= data.BaselineYear; candidate--)
            {
                view = await RollupOf(grains, unit, candidate, children ?? false);
            }
        }
        var entries = view.Entries
            .Select(e => (Entry: e, Indicator: data.Indicators[e.Indicator]))
            .Where(x => plan is null || PlanAreas.PlanCode(x.Indicator.Plan) == plan)
            .Where(x => area is null || x.Indicator.Area == area)
            .Select(x => new RollupIndicatorResponse(
                x.Indicator.Code, x.Indicator.NameZh, x.Indicator.NameEn, PlanAreas.PlanCode(x.Indicator.Plan), x.Indicator.Area, x.Indicator.Unit,
                Disaggregation.Parse(x.Entry.Disaggregation), x.Entry.Value, x.Entry.Numerator, x.Entry.Denominator, x.Entry.Target, x.Entry.Status,
                x.Entry.ReportingUnits, x.Entry.ExpectedUnits, x.Entry.Statuses, x.Entry.Children))
            .ToArray();
        var summary = entries.Where(e => e.Disaggregation.Count == 0).Aggregate(StatusCounts.Zero, (acc, e) => acc.Add(StatusCounts.Of(e.Status)));
        return new RollupResponse(ApiMapping.Ref(unit), view.Year, view.UpdatedAt, Notice(configuration, unit, data), summary, entries, view.Approval);
    }

    private static Task<RollupView> RollupOf(IGrainFactory grains, OrgUnit unit, int year, bool children) => unit.Level switch
    {
        OrgUnitLevel.County => grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(unit.Code)).GetRollupAsync(year),
        OrgUnitLevel.Prefecture => grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(unit.Code)).GetRollupAsync(year, children),
        _ => grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(unit.Code)).GetRollupAsync(year, children),
    };

    private static async Task<IResult> GetSeriesAsync(
        string code, string indicator, HttpContext http, PlanData data, IGrainFactory grains, RollupGrains rollups, RollupResponseCache cache, IConfiguration configuration)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        if (!data.Indicators.TryGetValue(indicator, out var definition))
        {
            return ApiProblems.NotFound($"Indicator '{indicator}'");
        }
        // Cities and provinces: like the roll-up, the stored page while the roll-up grain's version is unchanged, so
        // concurrent readers of a page do not each take a turn of the province grain to rebuild the same series.
        if (rollups.Of(unit) is not { } rollup)
        {
            var leaf = await grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator(code, indicator)).GetSeriesAsync();
            return TypedResults.Ok(SeriesOf(unit, definition, leaf, configuration, data));
        }
        var key = RollupResponseCache.SeriesKey(unit.Code, indicator);
        var version = await rollups.VersionOf(unit, rollup);
        if (cache.TryGet(key, version) is { } cached)
        {
            return Cached(http, cached, compress: true);
        }
        var built = await cache.BuildSharedAsync(key, () => rollups.VersionOf(unit, rollup),
            async () => SeriesOf(unit, definition, await rollup.GetSeriesAsync(indicator), configuration, data));
        return Cached(http, built, compress: CompressFresh(built));
    }

    /// <summary>Responses at least this large are compressed even when freshly built (see <see cref="CompressFresh"/>).</summary>
    public const int CompressFreshFrom = 16 * 1024;

    /// <summary>
    /// Whether a response just built for a new version goes out compressed. A small one (an indicator page, 2–3 KB)
    /// goes out as it is: while figures change every few milliseconds, compressing each new version would cost more
    /// than it saves, and the second reader of a version gets the gzip form. A large one is compressed at once: the
    /// roll-up with each child's contribution is ~0.5 MB of JSON, a live page reloads it on every change, and the
    /// build — with its gzip form, made once — is shared by every page reloading at the same time.
    /// </summary>
    private static bool CompressFresh(CachedRollup built) => built.Body.Length >= CompressFreshFrom;

    private static SeriesResponse SeriesOf(OrgUnit unit, IndicatorDefinition definition, IndicatorSeriesView view, IConfiguration configuration, PlanData data) =>
        new(ApiMapping.Ref(unit), ApiMapping.Indicator(definition), Notice(configuration, unit, data),
            view.LatestYear, view.LatestValue, view.CurrentStatus, view.Evaluation,
            [.. view.Series.Select(s => new SeriesDisaggregationResponse(Disaggregation.Parse(s.Disaggregation), Disaggregation.LabelZh(s.Disaggregation), s.Points, s.Targets))]);

    private static async Task<Results<Ok<ConsistencyReport>, ProblemHttpResult>> CheckConsistencyAsync(string code, PlanData data, IGrainFactory grains)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        return unit.Level switch
        {
            OrgUnitLevel.Prefecture => TypedResults.Ok(await grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(code)).CheckConsistencyAsync()),
            OrgUnitLevel.Province => TypedResults.Ok(await grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(code)).CheckConsistencyAsync()),
            _ => ApiProblems.BadRequest("A county-level unit holds the values of record; consistency is checked for cities and provinces"),
        };
    }

    /// <summary>Marks figures of the synthetic demo province wherever they are shown.</summary>
    internal static string? Notice(IConfiguration configuration, OrgUnit unit, PlanData data)
    {
        var demoEnabled = configuration.GetValue("Demo:Enabled", !Silo.Hosting.SiloHostingExtensions.UsesPostgres(configuration));
        var province = configuration["Demo:Province"] ?? "510000";
        return demoEnabled && data.ChainOf(unit.Code).Any(u => u.Code == province) ? SyntheticNotice : null;
    }
}
