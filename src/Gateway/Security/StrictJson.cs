using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// A JSON request body read strictly: application/json only (415), at most 64 KB (413), and unknown fields,
/// duplicate keys, wrong types, trailing data or comments rejected (400) — each as ProblemDetails naming the path.
/// Bind it as an endpoint parameter and return <see cref="Problem"/> when set.
/// </summary>
public sealed class StrictBody<T>
    where T : class
{
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Options = CreateOptions();

    public T? Value { get; private init; }

    public ProblemHttpResult? Problem { get; private init; }

    public static async ValueTask<StrictBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var request = context.Request;
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType != "application/json")
        {
            return Fail(TypedResults.Problem(title: "Unsupported content type", detail: "Send application/json (UTF-8).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, type: ApiProblems.TypeBase + "unsupported-media-type"));
        }
        if (request.ContentLength > MaxBytes)
        {
            return Fail(TooLarge());
        }
        using var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[8192];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxBytes)
                {
                    return Fail(TooLarge());
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            return Fail(TypedResults.Problem(title: "Could not read the request body", statusCode: e.StatusCode, type: ApiProblems.TypeBase + "bad-request"));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), Options);
            return value is null
                ? Fail(ApiProblems.BadRequest("Invalid JSON body", "expected a JSON object"))
                : new StrictBody<T> { Value = value };
        }
        catch (JsonException e)
        {
            // The serializer's message names the path and the problem; it carries no internals.
            return Fail(ApiProblems.BadRequest("Invalid JSON body", e.Message));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or FormatException or OverflowException)
        {
            return Fail(ApiProblems.BadRequest("Invalid JSON body", "a value has the wrong type or is out of range"));
        }
    }

    private static StrictBody<T> Fail(ProblemHttpResult problem) => new() { Problem = problem };

    private static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(title: "Request body too large", detail: $"At most {MaxBytes / 1024} KB.",
            statusCode: StatusCodes.Status413PayloadTooLarge, type: ApiProblems.TypeBase + "too-large");

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions();
        Extensions.ApiExtensions.Configure(options);
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.AllowTrailingCommas = false;
        options.MaxDepth = 16;
        return options;
    }
}
