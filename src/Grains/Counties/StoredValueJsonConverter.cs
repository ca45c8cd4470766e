using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansPlans.Contracts;

namespace OrleansPlans.Counties;

/// <summary>
/// The stored JSON form of a figure (<see cref="StoredValue"/>) in a county's year rows: the same object, property names
/// and value formats the reflection serializer writes, without the computed <see cref="StoredValue.FirstReported"/>
/// (it repeated <c>ReportedAt</c> or <c>FirstReportedAt</c> in every figure and is never read back).
/// </summary>
/// <remarks>
/// A county push of ~400 figures rewrites a year row of ~400 of these. Written by the serializer's general object path
/// they took about 10 % of the silo's CPU during the province benchmark's ingest (docs/benchmarks.md, "Session 18"):
/// the grain storage serializer cannot use System.Text.Json's generated fast path, which refuses options with an
/// encoder or converters, and the silo's options have both. Rows written before read the same: unknown properties
/// (the old <c>FirstReported</c>) are skipped, absent ones take their defaults, as the reflection reader does.
/// </remarks>
public sealed class StoredValueJsonConverter : JsonConverter<StoredValue>
{
    public override StoredValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"A stored figure must be a JSON object, not {reader.TokenType}.");
        }
        decimal? numerator = null, denominator = null, value = null;
        string? department = null;
        DateTimeOffset reportedAt = default;
        DateTimeOffset? firstReportedAt = null;
        var batchId = Guid.Empty;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Property(ref reader);
            reader.Read();
            switch (name)
            {
                case Name.Numerator: numerator = Number(ref reader); break;
                case Name.Denominator: denominator = Number(ref reader); break;
                case Name.Value: value = Number(ref reader); break;
                case Name.Department: department = reader.TokenType == JsonTokenType.Null ? null : reader.GetString(); break;
                case Name.ReportedAt: reportedAt = reader.GetDateTimeOffset(); break;
                case Name.BatchId: batchId = reader.GetGuid(); break;
                case Name.FirstReportedAt: firstReportedAt = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset(); break;
                default: reader.Skip(); break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("A stored figure's object is not closed.");
        }
        return new StoredValue(numerator, denominator, value, department!, reportedAt, batchId, firstReportedAt);
    }

    public override void Write(Utf8JsonWriter writer, StoredValue value, JsonSerializerOptions options)
    {
        // Null members are left out, as the storage options' WhenWritingNull leaves them out of every other state.
        writer.WriteStartObject();
        if (value.Numerator is { } numerator)
        {
            writer.WriteNumber(Names.Numerator, numerator);
        }
        if (value.Denominator is { } denominator)
        {
            writer.WriteNumber(Names.Denominator, denominator);
        }
        if (value.Value is { } figure)
        {
            writer.WriteNumber(Names.Value, figure);
        }
        if (value.Department is { } department)
        {
            writer.WriteString(Names.Department, department);
        }
        writer.WriteString(Names.ReportedAt, value.ReportedAt);
        writer.WriteString(Names.BatchId, value.BatchId);
        if (value.FirstReportedAt is { } first)
        {
            writer.WriteString(Names.FirstReportedAt, first);
        }
        writer.WriteEndObject();
    }

    /// <summary>The property names, encoded once (the writer checks a raw name for characters to escape every time).</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Numerator = JsonEncodedText.Encode("Numerator");
        public static readonly JsonEncodedText Denominator = JsonEncodedText.Encode("Denominator");
        public static readonly JsonEncodedText Value = JsonEncodedText.Encode("Value");
        public static readonly JsonEncodedText Department = JsonEncodedText.Encode("Department");
        public static readonly JsonEncodedText ReportedAt = JsonEncodedText.Encode("ReportedAt");
        public static readonly JsonEncodedText BatchId = JsonEncodedText.Encode("BatchId");
        public static readonly JsonEncodedText FirstReportedAt = JsonEncodedText.Encode("FirstReportedAt");
    }

    private enum Name { Other, Numerator, Denominator, Value, Department, ReportedAt, BatchId, FirstReportedAt }

    /// <summary>
    /// Matched case-sensitively, as the storage options match names, against the names the writer writes; a name that
    /// is escaped or split across buffers is unescaped first.
    /// </summary>
    private static Name Property(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped || reader.HasValueSequence ? Of(System.Text.Encoding.UTF8.GetBytes(reader.GetString()!)) : Of(reader.ValueSpan);

    private static Name Of(ReadOnlySpan<byte> name) =>
        name.SequenceEqual(Names.Numerator.EncodedUtf8Bytes) ? Name.Numerator
        : name.SequenceEqual(Names.Denominator.EncodedUtf8Bytes) ? Name.Denominator
        : name.SequenceEqual(Names.Value.EncodedUtf8Bytes) ? Name.Value
        : name.SequenceEqual(Names.Department.EncodedUtf8Bytes) ? Name.Department
        : name.SequenceEqual(Names.ReportedAt.EncodedUtf8Bytes) ? Name.ReportedAt
        : name.SequenceEqual(Names.BatchId.EncodedUtf8Bytes) ? Name.BatchId
        : name.SequenceEqual(Names.FirstReportedAt.EncodedUtf8Bytes) ? Name.FirstReportedAt
        : Name.Other;

    private static decimal? Number(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => reader.GetDecimal(),
        _ => throw new JsonException($"A stored figure's number is {reader.TokenType}."),
    };
}
