using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace OrleansPlans.Silo.Hosting.Storage;

public static class GrainStateJsonExtensions
{
    /// <summary>
    /// Grain state as System.Text.Json (chosen before the first production write: rows are plain JSON without CLR type
    /// names), with the settings of <see cref="GrainStateJson"/>: UTF-8 text, and the county's figures by their own converter.
    /// </summary>
    public static ISiloBuilder UsePlansGrainStateJson(this ISiloBuilder silo)
    {
#pragma warning disable ORLEANSEXP006 // the System.Text.Json storage serializer is marked experimental in Orleans 10
        silo.UseSystemTextJsonGrainStorageSerializer();
#pragma warning restore ORLEANSEXP006
        silo.Services.Configure<SystemTextJsonGrainStorageSerializerOptions>(o => GrainStateJson.Configure(o.JsonSerializerOptions));
        return silo;
    }
}
