using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// The province administrator's API: API keys (issued once, stored hashed, revoked), role assignments for IdP
/// subjects, and the audit trail. An administrator acts only within its own org-unit scope.
/// </summary>
public static class AdminApi
{
    public sealed record IssueKeyRequest(string? Name, string? Role, string? OrgUnit, string? Department);

    public sealed record IssuedKeyResponse(string Id, string Key, string Name, string Role, string OrgUnit, string? Department, DateTimeOffset CreatedAt, string Notice);

    public sealed record KeyResponse(string Id, string Name, string Role, string OrgUnit, string? Department, DateTimeOffset CreatedAt, string CreatedBy,
        DateTimeOffset? RevokedAt, string? RevokedBy);

    public sealed record RoleAssignmentRequest(string? Role, string? OrgUnit, string? Department);

    public sealed record AuditChange(string Indicator, int Year, IReadOnlyDictionary<string, string> Disaggregation, object? Before, object After);

    public sealed record AuditEntryResponse(long Id, DateTimeOffset At, string Principal, string Action, string? OrgUnit, string? Target,
        JsonElement? Before, JsonElement? After, Guid? BatchId, AuditChange[]? Changes);

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin").WithTags("Administration").RequireAuthorization(Policies.Admin);

        admin.MapPost("/api-keys", IssueKeyAsync).WithName("IssueApiKey")
            .WithSummary("Issue an API key for a county system (X-Api-Key); the key is shown in this answer only, stored as a SHA-256 hash");
        admin.MapGet("/api-keys", ListKeysAsync).WithName("ListApiKeys").WithSummary("The API keys within your scope (never the keys themselves)");
        admin.MapDelete("/api-keys/{id}", RevokeKeyAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key (takes effect at once on this gateway, within Auth:ApiKeyCacheSeconds elsewhere)");

        admin.MapGet("/role-assignments", ListAssignmentsAsync).WithName("ListRoleAssignments")
            .WithSummary("Roles granted to IdP subjects whose tokens carry no role claims");
        admin.MapPut("/role-assignments/{subject}", SetAssignmentAsync).WithName("SetRoleAssignment").WithSummary("Grant (or replace) a subject's role and org unit");
        admin.MapDelete("/role-assignments/{subject}", RemoveAssignmentAsync).WithName("RemoveRoleAssignment").WithSummary("Withdraw a subject's role");

        admin.MapGet("/audit", QueryAuditAsync).WithName("QueryAudit")
            .WithSummary("The audit trail within your scope, newest first (orgUnit, principal, from, to, action, before, limit; format=csv for a spreadsheet-safe export)");
        return app;
    }

    private static PlansPrincipal Caller(HttpContext http) => PlansPrincipal.From(http.User)!;

    private static async Task<Results<Created<IssuedKeyResponse>, ProblemHttpResult>> IssueKeyAsync(
        HttpContext http, StrictBody<IssueKeyRequest> body, PlanData data, OrgScope scope, IApiKeyStore keys, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var request = body.Value!;
        var caller = Caller(http);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return ApiProblems.BadRequest("Cannot issue this key", "name is required (at most 200 characters): which system holds the key");
        }
        if (Roles.InvalidGrant(data, request.Role, request.OrgUnit, request.Department) is { } error)
        {
            return ApiProblems.BadRequest("Cannot issue this key", error);
        }
        if (!WithinScope(scope, caller, request.OrgUnit!))
        {
            return OutsideScope(caller, request.OrgUnit!);
        }
        var (id, key) = ApiKeyFormat.New();
        var record = new ApiKeyRecord(id, request.Name, request.Role!, request.OrgUnit!, request.Department, ApiKeyFormat.Hash(key),
            time.GetUtcNow(), caller.Subject, null, null);
        await keys.AddAsync(record, new AuditRecord(record.CreatedAt, caller.Subject, AuditActions.ApiKeyIssue, record.OrgUnit, "api-key:" + id,
            null, AuditActions.Json(ToResponse(record))), cancellationToken);
        return TypedResults.Created($"/api/v1/admin/api-keys/{id}", new IssuedKeyResponse(id, key, record.Name, record.Role, record.OrgUnit, record.Department,
            record.CreatedAt, "Store this key now: it is not shown again (only its hash is kept)."));
    }

    private static async Task<Ok<KeyResponse[]>> ListKeysAsync(HttpContext http, OrgScope scope, IApiKeyStore keys, CancellationToken cancellationToken)
    {
        var caller = Caller(http);
        return TypedResults.Ok((await keys.ListAsync(cancellationToken)).Where(k => WithinScope(scope, caller, k.OrgUnit)).Select(ToResponse).ToArray());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(
        HttpContext http, string id, OrgScope scope, IApiKeyStore keys, ApiKeyCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = Caller(http);
        if (await keys.FindAsync(id, cancellationToken) is not { } key || !WithinScope(scope, caller, key.OrgUnit))
        {
            return ApiProblems.NotFound($"API key '{id}'");
        }
        if (key.RevokedAt is not null)
        {
            return TypedResults.Problem(title: "Already revoked", statusCode: StatusCodes.Status409Conflict, type: ApiProblems.TypeBase + "conflict");
        }
        var now = time.GetUtcNow();
        var revoked = await keys.RevokeAsync(id, caller.Subject, now, new AuditRecord(now, caller.Subject, AuditActions.ApiKeyRevoke, key.OrgUnit, "api-key:" + id,
            AuditActions.Json(ToResponse(key)), AuditActions.Json(ToResponse(key with { RevokedAt = now, RevokedBy = caller.Subject }))), cancellationToken);
        cache.Invalidate(id);
        return revoked ? TypedResults.NoContent()
            : TypedResults.Problem(title: "Already revoked", statusCode: StatusCodes.Status409Conflict, type: ApiProblems.TypeBase + "conflict");
    }

    private static async Task<Ok<RoleAssignment[]>> ListAssignmentsAsync(HttpContext http, OrgScope scope, IRoleAssignmentStore store, CancellationToken cancellationToken)
    {
        var caller = Caller(http);
        return TypedResults.Ok((await store.ListAsync(cancellationToken)).Where(a => WithinScope(scope, caller, a.OrgUnit)).ToArray());
    }

    private static async Task<Results<Ok<RoleAssignment>, ProblemHttpResult>> SetAssignmentAsync(
        HttpContext http, string subject, StrictBody<RoleAssignmentRequest> body, PlanData data, OrgScope scope, IRoleAssignmentStore store, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var request = body.Value!;
        var caller = Caller(http);
        if (subject.Length is 0 or > 200 || subject.StartsWith("apikey:", StringComparison.Ordinal))
        {
            return ApiProblems.BadRequest("Cannot assign this role", "subject: the token's sub claim (at most 200 characters)");
        }
        if (Roles.InvalidGrant(data, request.Role, request.OrgUnit, request.Department) is { } error)
        {
            return ApiProblems.BadRequest("Cannot assign this role", error);
        }
        if (!WithinScope(scope, caller, request.OrgUnit!))
        {
            return OutsideScope(caller, request.OrgUnit!);
        }
        var before = await store.FindAsync(subject, cancellationToken);
        if (before is not null && !WithinScope(scope, caller, before.OrgUnit))
        {
            return OutsideScope(caller, before.OrgUnit);
        }
        var assignment = new RoleAssignment(subject, request.Role!, request.OrgUnit!, request.Department, time.GetUtcNow(), caller.Subject);
        await store.SetAsync(assignment, new AuditRecord(assignment.AssignedAt, caller.Subject, AuditActions.RoleAssignmentSet, assignment.OrgUnit, "subject:" + subject,
            before is null ? null : AuditActions.Json(before), AuditActions.Json(assignment)), cancellationToken);
        return TypedResults.Ok(assignment);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAssignmentAsync(
        HttpContext http, string subject, OrgScope scope, IRoleAssignmentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = Caller(http);
        if (await store.FindAsync(subject, cancellationToken) is not { } before || !WithinScope(scope, caller, before.OrgUnit))
        {
            return ApiProblems.NotFound($"Role assignment of '{subject}'");
        }
        var now = time.GetUtcNow();
        return await store.RemoveAsync(subject, new AuditRecord(now, caller.Subject, AuditActions.RoleAssignmentRemove, before.OrgUnit, "subject:" + subject,
            AuditActions.Json(before), null), cancellationToken)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound($"Role assignment of '{subject}'");
    }

    private static async Task<Results<Ok<AuditEntryResponse[]>, ContentHttpResult, ProblemHttpResult>> QueryAuditAsync(
        HttpContext http, OrgScope scope, IAuditLog audit, IDataValueLedgerReader ledger, CancellationToken cancellationToken,
        [FromQuery] string? orgUnit, [FromQuery] string? principal, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? action,
        [FromQuery] string? before, [FromQuery] string? limit, [FromQuery] string? format)
    {
        var caller = Caller(http);
        DateTimeOffset? Time(string? value, string name, List<string> errors)
        {
            if (value is null)
            {
                return null;
            }
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return t;
            }
            errors.Add($"{name}: expected an ISO 8601 time such as 2026-01-31T00:00:00Z");
            return null;
        }
        var errors = new List<string>();
        var fromTime = Time(from, "from", errors);
        var toTime = Time(to, "to", errors);
        var take = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > 1000))
        {
            errors.Add("limit: a whole number from 1 to 1000");
        }
        long? beforeId = null;
        if (before is not null)
        {
            if (long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var b)) { beforeId = b; }
            else { errors.Add("before: an entry id"); }
        }
        if (format is not (null or "json" or "csv"))
        {
            errors.Add("format: json or csv");
        }
        if (errors.Count > 0)
        {
            return ApiProblems.BadRequest("Invalid audit query", string.Join("; ", errors));
        }
        if (orgUnit is not null && !WithinScope(scope, caller, orgUnit))
        {
            return OutsideScope(caller, orgUnit);
        }
        var units = orgUnit is not null ? [orgUnit] : caller.OrgUnit == Roles.NationalScope ? null : scope.UnitsOf(caller.OrgUnit);
        var entries = await audit.QueryAsync(new AuditQuery(units, principal, fromTime, toTime, action, beforeId, take), cancellationToken);
        var batches = entries.Select(e => e.Record.BatchId).OfType<Guid>().ToArray();
        var changes = (batches.Length == 0 ? [] : await ledger.ReadBatchesAsync(batches, cancellationToken)).ToLookup(e => e.BatchId);
        var response = entries.Select(e => new AuditEntryResponse(e.Id, e.Record.At, e.Record.Principal, e.Record.Action, e.Record.OrgUnit, e.Record.Target,
            Parse(e.Record.Before), Parse(e.Record.After), e.Record.BatchId,
            e.Record.BatchId is { } batch ? [.. changes[batch].OrderBy(c => c.Indicator, StringComparer.Ordinal).ThenBy(c => c.Year).ThenBy(c => c.Disaggregation, StringComparer.Ordinal)
                .Select(c => new AuditChange(c.Indicator, c.Year, Disaggregation.Parse(c.Disaggregation),
                    c.Old is null ? null : new { c.Old.Numerator, c.Old.Denominator, c.Old.Value, c.Old.Department },
                    new { c.New.Numerator, c.New.Denominator, c.New.Value, c.New.Department }))] : null)).ToArray();
        if (format == "csv")
        {
            var csv = new StringBuilder();
            CsvExport.AppendRow(csv, "id", "at", "principal", "action", "org_unit", "target", "batch_id", "before", "after");
            foreach (var e in response)
            {
                CsvExport.AppendRow(csv, e.Id.ToString(CultureInfo.InvariantCulture), e.At.ToString("O", CultureInfo.InvariantCulture), CsvExport.Text(e.Principal),
                    CsvExport.Text(e.Action), CsvExport.Text(e.OrgUnit), CsvExport.Text(e.Target), e.BatchId?.ToString(),
                    CsvExport.Text(e.Before?.GetRawText()), CsvExport.Text(e.After?.GetRawText()));
            }
            return TypedResults.Text(csv.ToString(), CsvExport.ContentType, Encoding.UTF8);
        }
        return TypedResults.Ok(response);
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    private static KeyResponse ToResponse(ApiKeyRecord k) => new(k.Id, k.Name, k.Role, k.OrgUnit, k.Department, k.CreatedAt, k.CreatedBy, k.RevokedAt, k.RevokedBy);

    private static bool WithinScope(OrgScope scope, PlansPrincipal caller, string orgUnit) =>
        caller.OrgUnit == Roles.NationalScope || scope.Contains(caller.OrgUnit, orgUnit);

    private static ProblemHttpResult OutsideScope(PlansPrincipal caller, string orgUnit) =>
        TypedResults.Problem(title: "Forbidden", detail: $"{orgUnit} is outside your scope {caller.OrgUnit}", statusCode: StatusCodes.Status403Forbidden,
            type: ApiProblems.TypeBase + "forbidden");
}
