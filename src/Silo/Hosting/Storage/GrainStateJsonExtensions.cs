using System.Text.Encodings.Web;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansPlans.Counties;

namespace OrleansPlans.Silo.Hosting.Storage;

public static class GrainStateJsonExtensions
{
    /// <summary>
    /// Grain state as System.Text.Json (chosen before the first production write: rows are plain JSON without CLR type
    /// names), with non-ASCII text written as UTF-8. The serializer's default encoder escapes every character outside
    /// ASCII, so each Chinese character of a warning message, approval comment or measure narrative was stored as a
    /// 6-byte <c>\uXXXX</c>, unreadable to an operator looking at a row in psql. (Not a speed change: the province
    /// benchmark's WAL stayed at 374–376 MB — these rows are few and compressed.) The rows are never embedded in HTML,
    /// which is what the escaping is for; rows written before read the same either way.
    /// </summary>
    public static ISiloBuilder UsePlansGrainStateJson(this ISiloBuilder silo)
    {
#pragma warning disable ORLEANSEXP006 // the System.Text.Json storage serializer is marked experimental in Orleans 10
        silo.UseSystemTextJsonGrainStorageSerializer();
#pragma warning restore ORLEANSEXP006
        silo.Services.Configure<SystemTextJsonGrainStorageSerializerOptions>(o =>
        {
            o.JsonSerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
            // The county's figures, hundreds per year row, written and read without the general object path.
            o.JsonSerializerOptions.Converters.Add(new StoredValueJsonConverter());
        });
        return silo;
    }
}
