namespace OrleansPlans.Domain.Loading;

/// <summary>One problem in a data file, located as precisely as the file allows.</summary>
public sealed record DataError(string File, string? Plan, string? Location, string Field, string Message)
{
    public override string ToString()
    {
        var where = string.Join(", ", new[] { Plan is null ? null : "plan " + Plan, Location }.Where(s => s is not null));
        return $"{File}: {(where.Length > 0 ? where + ", " : "")}field '{Field}': {Message}";
    }
}

/// <summary>Thrown when data files are invalid; lists every error found, not just the first.</summary>
public sealed class DataValidationException(IReadOnlyList<DataError> errors)
    : Exception($"{errors.Count} error(s) in data files:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Take(50)))
{
    public IReadOnlyList<DataError> Errors { get; } = errors;
}
