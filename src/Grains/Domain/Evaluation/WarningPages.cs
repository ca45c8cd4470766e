using System.Runtime.InteropServices;
using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>
/// A page of a warning register: how many records match, how many of each kind and lead department, and the newest
/// ones — newest first (by the time they cleared, else were raised), then by <see cref="WarningRecord.Key"/>.
/// </summary>
/// <remarks>
/// A county answers this on every reload of every page open on it or above it (a province page asks for the ten newest
/// of all 183 counties). Sorting every matching record by a key string built for each of them was ~4 % of a silo's
/// CPU with 32 province pages open during a deadline (docs/benchmarks.md, session 17): only the records that can be
/// among the first <c>limit</c> by time get their key built and sorted.
/// </remarks>
public static class WarningPages
{
    public static WarningPage Of(List<WarningRecord> matching, int? limit)
    {
        var byKind = new Dictionary<string, int>(StringComparer.Ordinal);
        var byDepartment = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var w in matching)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(byKind, w.Kind, out _)++;
            CollectionsMarshal.GetValueRefOrAddDefault(byDepartment, w.Department ?? "", out _)++;
        }
        return new WarningPage(matching.Count, byKind, byDepartment, Newest(matching, limit));
    }

    /// <summary>
    /// The first <paramref name="limit"/> records (all when null) in the register's order; records that tie on time and
    /// key keep their order in <paramref name="records"/>, as a stable sort would.
    /// </summary>
    public static WarningRecord[] Newest(List<WarningRecord> records, int? limit)
    {
        var take = Math.Min(limit ?? int.MaxValue, records.Count);
        if (take <= 0)
        {
            return [];
        }
        // The time of the take-th newest record: nothing older can be on the page.
        var boundary = long.MinValue;
        if (take < records.Count)
        {
            var times = new long[records.Count];
            for (var i = 0; i < times.Length; i++)
            {
                times[i] = Time(records[i]);
            }
            Array.Sort(times);
            boundary = times[^take];
        }
        var candidates = new List<(long Time, string Key, int Index)>(take);
        for (var i = 0; i < records.Count; i++)
        {
            var time = Time(records[i]);
            if (time >= boundary)
            {
                candidates.Add((time, records[i].Key, i));
            }
        }
        candidates.Sort(static (a, b) =>
            a.Time != b.Time ? b.Time.CompareTo(a.Time)
            : string.CompareOrdinal(a.Key, b.Key) is var byKey and not 0 ? byKey
            : a.Index.CompareTo(b.Index));
        var page = new WarningRecord[take];
        for (var i = 0; i < take; i++)
        {
            page[i] = records[candidates[i].Index];
        }
        return page;
    }

    private static long Time(WarningRecord w) => (w.ClearedAt ?? w.RaisedAt).UtcTicks;
}
