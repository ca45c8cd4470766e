using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Extensions;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

public static class DataValuesApi
{
    public static IEndpointRouteBuilder MapDataValuesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/counties/{code}/data-values", PushAsync)
            .WithTags("Data values")
            .WithName("PushDataValues")
            .RequireOrgScope(OrgAccess.Push)
            .WithSummary("Push a county's figures (JSON or text/csv); atomic: any bad row rejects the whole batch")
            .Accepts<PushRequest>("application/json", "text/csv")
            .Produces<ImportSummaryResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
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
        string code, HttpRequest request, PlanData data, IGrainFactory grains, RollupGrains rollups, PushAdmission admission, OrgScope scope, IAuditLog audit, TimeProvider time,
        [FromQuery] bool? dryRun, [FromQuery] int? year, CancellationToken cancellationToken)
    {
        if (data.ReportingUnit(code) is null)
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
            // Bounded here too: a chunked body has no Content-Length, and not every server enforces Kestrel's limit.
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > ApiExtensions.MaxBodyBytes)
                {
                    return TooLarge();
                }
            }
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (BadHttpRequestException e)
        {
            return TypedResults.Problem(title: "Could not read the request body", statusCode: e.StatusCode, type: ApiProblems.TypeBase + "bad-request");
        }
        var parsed = mediaType == "text/csv" ? BatchParsing.FromCsv(body, year) : BatchParsing.FromJson(body);
        if (parsed.Errors.Count > 0)
        {
            return ApiProblems.InvalidBatch(parsed.Errors);
        }
        // The row limit is checked here as well as in the county grain, so an oversized batch never crosses the wire.
        if (parsed.Rows.Length > BatchValidation.MaxRows)
        {
            return ApiProblems.InvalidBatch([new RowError(-1, "values", $"the batch has {parsed.Rows.Length} values; at most {BatchValidation.MaxRows} are accepted per batch")]);
        }
        // The county is in the caller's scope (endpoint policy); a department reporter may also only send its own
        // department's indicators: any other row rejects the whole batch, naming the rows.
        var principal = PlansPrincipal.From(request.HttpContext.User)!;
        var outside = scope.RowsOutsideScope(principal, parsed.Rows);
        if (outside.Count > 0)
        {
            return TypedResults.Problem(
                title: "The batch was rejected; nothing was applied",
                detail: $"{outside.Count} row(s) outside what {principal.Role} '{principal.Subject}' may push",
                statusCode: StatusCodes.Status403Forbidden,
                type: ApiProblems.TypeBase + "forbidden",
                extensions: new Dictionary<string, object?>
                {
                    ["errors"] = outside.Take(100).Select(o => new { row = o.Row, field = "indicator", message = o.Reason }).ToArray(),
                });
        }
        // The county grain validates again (it is the authority); checking here first answers a bad batch at once even
        // when valid ones are waiting for a slot below, with the same errors.
        var invalid = BatchValidation.Validate(data, code, parsed.Rows, time.GetUtcNow().Year);
        if (invalid.Count > 0)
        {
            return ApiProblems.InvalidBatch(invalid);
        }
        // Into the cluster in turn (PushAdmission): a valid batch waits here for a slot when many counties push at once.
        using var lease = await admission.EnterAsync(cancellationToken);
        if (lease is null)
        {
            request.HttpContext.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(title: "Too many pushes waiting", detail: "This gateway holds as many pushes as it queues; nothing was applied. Retry after 1 s.",
                statusCode: StatusCodes.Status503ServiceUnavailable, type: ApiProblems.TypeBase + "busy");
        }
        var batch = new DataValueBatch(Guid.NewGuid(), principal.Subject, parsed.Rows, dryRun ?? false);
        var summary = await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code)).PushAsync(batch);
        rollups.Written(code);
        if (!summary.Accepted)
        {
            return summary.Locked ? ApiProblems.LockedBatch(summary.Errors) : ApiProblems.InvalidBatch(summary.Errors);
        }
        if (!summary.DryRun)
        {
            // The per-value before/after is in the data-value ledger under this batch id (written by the county
            // grain before it acknowledged); the audit entry records who pushed what where, and the outcome.
            await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), principal.Subject, AuditActions.DataValuesPush, code, "batch:" + summary.BatchId,
                null, AuditActions.Json(new { rows = parsed.Rows.Length, summary.Imported, summary.Updated, summary.Unchanged, mediaType }), summary.BatchId),
                cancellationToken);
        }
        return TypedResults.Ok(new ImportSummaryResponse(summary.BatchId, summary.DryRun, summary.DryRun ? "validated" : "applied",
            summary.Imported, summary.Updated, summary.Unchanged, parsed.Rows.Length));
    }

    private static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(title: "Request body too large", detail: $"At most {ApiExtensions.MaxBodyBytes / 1024 / 1024} MB per batch; split the batch.",
            statusCode: StatusCodes.Status413PayloadTooLarge, type: ApiProblems.TypeBase + "too-large");
}
