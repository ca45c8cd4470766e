using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansPlans.Contracts;

namespace OrleansPlans.Gateway.Model;

/// <summary>
/// Writes a roll-up's indicator figure (<see cref="RollupIndicatorResponse"/>) with its target and status counts as the
/// API's reflection serializer wrote it (camelCase names, nulls left out, enums as camelCase strings: the options of
/// <c>ApiExtensions.Configure</c>, the only options it is registered in), in one pass without the general object path.
/// </summary>
/// <remarks>
/// A county roll-up is ~900 of these and goes out to the county's page after every push; with every county's page open
/// during the province benchmark's ingest, serializing them was about a quarter of the gateway's CPU (docs/benchmarks.md,
/// sessions 17 and 18). System.Text.Json's generated fast path is refused for options with an encoder or converters,
/// which the API's options have. The children of a contribution view, rarer, still go through the serializer. Reading is
/// left to the serializer: no endpoint takes this type as input.
/// </remarks>
public sealed class RollupIndicatorJsonConverter : JsonConverter<RollupIndicatorResponse>
{
    private static readonly JsonEncodedText Indicator = JsonEncodedText.Encode("indicator");
    private static readonly JsonEncodedText NameZh = JsonEncodedText.Encode("nameZh");
    private static readonly JsonEncodedText NameEn = JsonEncodedText.Encode("nameEn");
    private static readonly JsonEncodedText Plan = JsonEncodedText.Encode("plan");
    private static readonly JsonEncodedText Area = JsonEncodedText.Encode("area");
    private static readonly JsonEncodedText Unit = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText Disaggregation = JsonEncodedText.Encode("disaggregation");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText Numerator = JsonEncodedText.Encode("numerator");
    private static readonly JsonEncodedText Denominator = JsonEncodedText.Encode("denominator");
    private static readonly JsonEncodedText Target = JsonEncodedText.Encode("target");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText ReportingUnits = JsonEncodedText.Encode("reportingUnits");
    private static readonly JsonEncodedText ExpectedUnits = JsonEncodedText.Encode("expectedUnits");
    private static readonly JsonEncodedText StatusCountsName = JsonEncodedText.Encode("statusCounts");
    private static readonly JsonEncodedText Children = JsonEncodedText.Encode("children");
    private static readonly JsonEncodedText Comparator = JsonEncodedText.Encode("comparator");
    private static readonly JsonEncodedText Year = JsonEncodedText.Encode("year");
    private static readonly JsonEncodedText Approximate = JsonEncodedText.Encode("approximate");
    private static readonly JsonEncodedText BaseYear = JsonEncodedText.Encode("baseYear");
    private static readonly JsonEncodedText ChangePercent = JsonEncodedText.Encode("changePercent");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText Met = JsonEncodedText.Encode("met");
    private static readonly JsonEncodedText NotMet = JsonEncodedText.Encode("notMet");
    private static readonly JsonEncodedText NoTarget = JsonEncodedText.Encode("noTarget");
    private static readonly JsonEncodedText NoData = JsonEncodedText.Encode("noData");
    private static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");

    public override RollupIndicatorResponse Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Roll-up figures are only written.");

    public override void Write(Utf8JsonWriter writer, RollupIndicatorResponse value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        String(writer, Indicator, value.Indicator);
        String(writer, NameZh, value.NameZh);
        String(writer, NameEn, value.NameEn);
        String(writer, Plan, value.Plan);
        String(writer, Area, value.Area);
        String(writer, Unit, value.Unit);
        if (value.Disaggregation is { } disaggregation)
        {
            writer.WriteStartObject(Disaggregation);
            foreach (var (category, option) in disaggregation)
            {
                writer.WritePropertyName(category);
                writer.WriteStringValue(option);
            }
            writer.WriteEndObject();
        }
        Number(writer, Value, value.Value);
        Number(writer, Numerator, value.Numerator);
        Number(writer, Denominator, value.Denominator);
        if (value.Target is { } target)
        {
            writer.WriteStartObject(Target);
            String(writer, Comparator, target.Comparator);
            Number(writer, Value, target.Value);
            String(writer, Unit, target.Unit);
            writer.WriteNumber(Year, target.Year);
            writer.WriteBoolean(Approximate, target.Approximate);
            if (target.BaseYear is { } baseYear)
            {
                writer.WriteNumber(BaseYear, baseYear);
            }
            Number(writer, ChangePercent, target.ChangePercent);
            String(writer, Source, target.Source);
            String(writer, Text, target.Text);
            writer.WriteEndObject();
        }
        if (StatusName(value.Status) is { } status)
        {
            writer.WriteString(Status, status);
        }
        else
        {
            writer.WriteNumber(Status, (int)value.Status);   // as the enum converter writes a value without a name
        }
        writer.WriteNumber(ReportingUnits, value.ReportingUnits);
        writer.WriteNumber(ExpectedUnits, value.ExpectedUnits);
        if (value.StatusCounts is { } counts)
        {
            writer.WriteStartObject(StatusCountsName);
            writer.WriteNumber(Met, counts.Met);
            writer.WriteNumber(NotMet, counts.NotMet);
            writer.WriteNumber(NoTarget, counts.NoTarget);
            writer.WriteNumber(NoData, counts.NoData);
            writer.WriteNumber(Total, counts.Total);
            writer.WriteEndObject();
        }
        if (value.Children is { } children)
        {
            writer.WritePropertyName(Children);
            JsonSerializer.Serialize(writer, children, options);
        }
        writer.WriteEndObject();
    }

    /// <summary>The status as the API's enum converter names it (camelCase).</summary>
    private static JsonEncodedText? StatusName(TargetStatus status) => status switch
    {
        TargetStatus.NoData => NoData,
        TargetStatus.NoTarget => NoTarget,
        TargetStatus.Met => Met,
        TargetStatus.NotMet => NotMet,
        _ => null,
    };

    private static void String(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter writer, JsonEncodedText name, decimal? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }
}
