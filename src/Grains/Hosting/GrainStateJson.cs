using System.Text.Encodings.Web;
using System.Text.Json;
using OrleansPlans.Counties;

namespace OrleansPlans;

/// <summary>
/// The grain storage's System.Text.Json settings, set by the silo on its storage serializer's options and used as they
/// are by the tests and the benchmark's <c>--codecs</c>, so that all three read and write the same rows.
/// </summary>
public static class GrainStateJson
{
    /// <summary>
    /// Non-ASCII text written as UTF-8: the serializer's default encoder escapes every character outside ASCII, so each
    /// Chinese character of a warning message, approval comment or measure narrative was stored as a 6-byte
    /// <c>\uXXXX</c>, unreadable to an operator looking at a row in psql. (Not a speed change: the province benchmark's
    /// WAL stayed at 374–376 MB — these rows are few and compressed.) The rows are never embedded in HTML, which is what
    /// the escaping is for; rows written before read the same either way. And the county's figures, hundreds per year
    /// row, written and read by <see cref="StoredValueJsonConverter"/> instead of the general object path.
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.Converters.Add(new StoredValueJsonConverter());
    }
}
