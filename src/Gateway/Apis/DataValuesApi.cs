using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Extensions;
using OrleansPlans.Gateway.Model;

namespace OrleansPlans.Gateway.Apis;

public static class DataValuesApi
{
    public static IEndpointRouteBuilder MapDataValuesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/counties/{code}/data-values", PushAsync)
            .WithTags("Data values")
            .WithName("PushDataValues")
            .WithSummary("Push a county's figures (JSON or text/csv); atomic: any bad row rejects the whole batch")
            .Accepts<PushRequest>("application/json", "text/csv")
            .Produces<ImportSummaryResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>The JSON body (documented for OpenAPI; the body is parsed strictly by <see cref="BatchParsing"/>).</summary>
    public sealed record PushRequest(int Year, PushRow[] Values);

    public sealed record PushRow(string Indicator, Dictionary<string, string>? Disaggregation, decimal? Numerator, decimal? Denominator, decimal? Value, string? Department);

    private static async Task<Results<Ok<ImportSummaryResponse>, ProblemHttpResult>> PushAsync(
        string code, HttpRequest request, PlanData data, IGrainFactory grains, [FromQuery] bool? dryRun, [FromQuery] int? year, CancellationToken cancellationToken)
    {
        if (data.OrgUnit(code) is not { Level: OrgUnitLevel.County })
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        if (request.ContentLength > ApiExtensions.MaxBodyBytes)
        {
            return TooLarge();
        }
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/json" or "text/csv"))
        {
            return TypedResults.Problem(title: "Unsupported content type", detail: "Send application/json or text/csv (UTF-8).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, type: ApiProblems.TypeBase + "unsupported-media-type");
        }
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        var parsed = mediaType == "text/csv" ? BatchParsing.FromCsv(body, year) : BatchParsing.FromJson(body);
        if (parsed.Errors.Count > 0)
        {
            return ApiProblems.InvalidBatch(parsed.Errors);
        }
        var principal = request.HttpContext.User.Identity?.Name ?? "anonymous";
        var batch = new DataValueBatch(Guid.NewGuid(), principal, parsed.Rows, dryRun ?? false);
        var summary = await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code)).PushAsync(batch);
        if (!summary.Accepted)
        {
            return summary.Locked ? ApiProblems.LockedBatch(summary.Errors) : ApiProblems.InvalidBatch(summary.Errors);
        }
        return TypedResults.Ok(new ImportSummaryResponse(summary.BatchId, summary.DryRun, summary.DryRun ? "validated" : "applied",
            summary.Imported, summary.Updated, summary.Unchanged, parsed.Rows.Length));
    }

    private static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(title: "Request body too large", detail: $"At most {ApiExtensions.MaxBodyBytes / 1024 / 1024} MB per batch; split the batch.",
            statusCode: StatusCodes.Status413PayloadTooLarge, type: ApiProblems.TypeBase + "too-large");
}
