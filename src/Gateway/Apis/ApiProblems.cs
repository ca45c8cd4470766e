using Microsoft.AspNetCore.Http.HttpResults;
using OrleansPlans.Contracts;

namespace OrleansPlans.Gateway.Apis;

/// <summary>RFC 7807 answers shared by the endpoints.</summary>
public static class ApiProblems
{
    public const string TypeBase = "https://orleans-plans.example/problems/";

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(title: $"{what} not found", statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");

    /// <summary>Allowed to call the endpoint, but not to do this (a finer check than the endpoint's policy).</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(title: "Forbidden", detail: detail, statusCode: StatusCodes.Status403Forbidden, type: TypeBase + "forbidden");

    public static ProblemHttpResult BadRequest(string title, string? detail = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest, type: TypeBase + "bad-request");

    /// <summary>A rejected batch: every bad row with its index, field and reason; nothing was applied.</summary>
    public static ProblemHttpResult InvalidBatch(IReadOnlyCollection<RowError> errors) =>
        TypedResults.Problem(
            title: "The batch was rejected; nothing was applied",
            detail: $"{errors.Count} problem(s) in {errors.Select(e => e.Row).Where(r => r >= 0).Distinct().Count()} row(s); fix them and send the whole batch again",
            statusCode: StatusCodes.Status400BadRequest,
            type: TypeBase + "invalid-batch",
            extensions: Errors(errors));

    /// <summary>A batch touching an approved (locked) annual dataset: 409, naming each locked row; nothing was applied.</summary>
    public static ProblemHttpResult LockedBatch(IReadOnlyCollection<RowError> errors) =>
        TypedResults.Problem(
            title: "The batch touches an approved dataset; nothing was applied",
            detail: $"{errors.Count} row(s) fall in an approved, locked year; the approver must un-approve it first",
            statusCode: StatusCodes.Status409Conflict,
            type: TypeBase + "dataset-locked",
            extensions: Errors(errors));

    private static Dictionary<string, object?> Errors(IReadOnlyCollection<RowError> errors) =>
        new()
        {
            ["errors"] = errors.OrderBy(e => e.Row).Select(e => new { row = e.Row < 0 ? (int?)null : e.Row, field = e.Field, message = e.Message }).ToArray(),
        };
}
