namespace OrleansPlans.Domain.Evaluation;

/// <summary>How the warnings of a new detection run relate to the previous run's.</summary>
/// <param name="StillActive">The current versions (their numbers may have moved) of warnings that were already active.</param>
public sealed record WarningDiff(IReadOnlyList<Warning> Raised, IReadOnlyList<Warning> StillActive, IReadOnlyList<Warning> Cleared);

/// <summary>
/// Warnings are never cleared by hand: detection is re-run over the current data, and a warning it no longer returns has
/// cleared. Diffing the two runs by <see cref="WarningKey"/> gives a grain what it needs to keep the history
/// (raised at, cleared at).
/// </summary>
public static class WarningHistory
{
    public static WarningDiff Diff(IEnumerable<Warning> previous, IEnumerable<Warning> current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var before = Distinct(previous);
        var now = Distinct(current);
        var beforeKeys = before.Select(w => w.Key).ToHashSet();
        var nowKeys = now.Select(w => w.Key).ToHashSet();
        return new WarningDiff(
            [.. now.Where(w => !beforeKeys.Contains(w.Key))],
            [.. now.Where(w => beforeKeys.Contains(w.Key))],
            [.. before.Where(w => !nowKeys.Contains(w.Key))]);
    }

    // A key counts once; the first occurrence wins, so a caller's duplicate cannot be both raised and still active.
    private static List<Warning> Distinct(IEnumerable<Warning> warnings)
    {
        var seen = new HashSet<WarningKey>();
        return [.. warnings.Where(w => seen.Add(w.Key))];
    }
}
