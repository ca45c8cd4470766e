using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Gateway.Model;

/// <summary>A parsed batch, or the syntax errors found while parsing (with row index and field).</summary>
public sealed record ParsedBatch(DataValueRow[] Rows, List<RowError> Errors);

/// <summary>
/// Reads a batch from JSON or CSV strictly: unknown or duplicate fields, wrong types and out-of-range numbers are
/// reported per row and field instead of failing on the first problem.
/// </summary>
public static class BatchParsing
{
    public static ParsedBatch FromJson(ReadOnlyMemory<byte> body)
    {
        var errors = new List<RowError>();
        // JsonDocument checks UTF-8 only when a string is read; a body that is not UTF-8 is refused as a whole here.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            errors.Add(new RowError(-1, "(body)", "not UTF-8: JSON must be UTF-8 encoded"));
            return new ParsedBatch([], errors);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            errors.Add(new RowError(-1, "(body)", $"not valid JSON: {e.Message}"));
            return new ParsedBatch([], errors);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new RowError(-1, "(body)", "expected a JSON object { \"year\": …, \"values\": [ … ] }"));
                return new ParsedBatch([], errors);
            }
            JsonElement yearField = default, values = default;
            foreach (var p in root.EnumerateObject())
            {
                if (p.NameEquals("year"u8)) { yearField = p.Value; }
                else if (p.NameEquals("values"u8)) { values = p.Value; }
                else { errors.Add(new RowError(-1, p.Name, "unknown field")); }
            }
            int? year = null;
            if (yearField.ValueKind != JsonValueKind.Undefined)
            {
                if (yearField.ValueKind == JsonValueKind.Number && yearField.TryGetInt32(out var yy)) { year = yy; }
                else { errors.Add(new RowError(-1, "year", "expected a whole number such as 2023")); }
            }
            if (values.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new RowError(-1, "values", "required: an array of values"));
                return new ParsedBatch([], errors);
            }
            var rows = new List<DataValueRow>(values.GetArrayLength());
            var index = 0;
            foreach (var element in values.EnumerateArray())
            {
                if (ParseRow(element, index, year, errors) is { } row)
                {
                    rows.Add(row);
                }
                index++;
            }
            return new ParsedBatch([.. rows], errors);
        }
    }

    /// <summary>
    /// One row, in one pass over its members: a member is found by comparing its UTF-8 name, without a string per name
    /// or a lookup per field (the parser already refused duplicate names). Reading a county's ~400 rows that way was a
    /// quarter of the gateway's CPU during the province benchmark's ingest (docs/benchmarks.md, "Session 18"). Errors
    /// keep their order: unknown members as they appear, then the known fields in a fixed order.
    /// </summary>
    private static DataValueRow? ParseRow(JsonElement element, int index, int? batchYear, List<RowError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new RowError(index, "(row)", "expected an object"));
            return null;
        }
        var before = errors.Count;
        JsonElement indicatorField = default, yearField = default, disaggregationField = default, numeratorField = default,
            denominatorField = default, valueField = default, departmentField = default;
        foreach (var p in element.EnumerateObject())
        {
            if (p.NameEquals("indicator"u8)) { indicatorField = p.Value; }
            else if (p.NameEquals("numerator"u8)) { numeratorField = p.Value; }
            else if (p.NameEquals("denominator"u8)) { denominatorField = p.Value; }
            else if (p.NameEquals("value"u8)) { valueField = p.Value; }
            else if (p.NameEquals("disaggregation"u8)) { disaggregationField = p.Value; }
            else if (p.NameEquals("department"u8)) { departmentField = p.Value; }
            else if (p.NameEquals("year"u8)) { yearField = p.Value; }
            else { errors.Add(new RowError(index, p.Name, "unknown field")); }
        }
        string? indicator = null;
        if (indicatorField.ValueKind == JsonValueKind.String) { indicator = indicatorField.GetString(); }
        else if (indicatorField.ValueKind == JsonValueKind.Undefined) { errors.Add(new RowError(index, "indicator", "required")); }
        else { errors.Add(new RowError(index, "indicator", "expected a string")); }

        var year = batchYear;
        if (yearField.ValueKind != JsonValueKind.Undefined)
        {
            if (yearField.ValueKind == JsonValueKind.Number && yearField.TryGetInt32(out var yy)) { year = yy; }
            else { errors.Add(new RowError(index, "year", "expected a whole number such as 2023")); }
        }
        else if (year is null)
        {
            errors.Add(new RowError(index, "year", "required (on the batch or the row)"));
        }

        Dictionary<string, string>? disaggregation = null;
        if (disaggregationField.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (disaggregationField.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new RowError(index, "disaggregation", "expected an object such as { \"area\": \"rural\" }"));
            }
            else
            {
                disaggregation = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var p in disaggregationField.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.String) { errors.Add(new RowError(index, $"disaggregation.{p.Name}", "expected a string")); }
                    else if (!Disaggregation.Categories.Contains(p.Name)) { errors.Add(new RowError(index, $"disaggregation.{p.Name}", "unknown category (sex, area or age)")); }
                    else { disaggregation[p.Name] = p.Value.GetString()!; }
                }
            }
        }
        var numerator = Number(numeratorField, "numerator", index, errors);
        var denominator = Number(denominatorField, "denominator", index, errors);
        var value = Number(valueField, "value", index, errors);
        string? department = null;
        if (departmentField.ValueKind == JsonValueKind.String) { department = departmentField.GetString(); }
        else if (departmentField.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)) { errors.Add(new RowError(index, "department", "expected a string")); }
        return errors.Count > before ? null
            : new DataValueRow(indicator!, year ?? 0, Disaggregation.Key(disaggregation), numerator, denominator, value, department);
    }

    /// <summary>A number field (absent or null: none). Its text is read only to tell an underflow from a written zero.</summary>
    private static decimal? Number(JsonElement n, string field, int index, List<RowError> errors)
    {
        if (n.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }
        if (n.ValueKind != JsonValueKind.Number)
        {
            errors.Add(new RowError(index, field, "expected a number"));
            return null;
        }
        if (!n.TryGetDecimal(out var d) || (d == 0 && Underflows(n.GetRawText(), d)))
        {
            errors.Add(new RowError(index, field, $"{n.GetRawText()} is not a finite number within range"));
            return null;
        }
        return d;
    }

    /// <summary>A number written with non-zero digits that reads as 0 (e.g. 1e-400) lost its value: refused, not rounded.</summary>
    internal static bool Underflows(string raw, decimal value)
    {
        if (value != 0)
        {
            return false;
        }
        var mantissa = raw.Split('e', 'E')[0];
        return mantissa.Any(c => c is >= '1' and <= '9');
    }

    /// <summary>
    /// CSV with a header row: year, indicator, sex, area, age, numerator, denominator, value, department
    /// (year may come from the query string instead; unknown columns are rejected).
    /// </summary>
    public static ParsedBatch FromCsv(ReadOnlyMemory<byte> body, int? queryYear)
    {
        var errors = new List<RowError>();
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            errors.Add(new RowError(-1, "(body)", "not UTF-8: save the spreadsheet as CSV UTF-8"));
            return new ParsedBatch([], errors);
        }
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        var records = Csv.Parse(text, out var csvError);
        if (csvError is not null)
        {
            errors.Add(new RowError(-1, "(body)", csvError));
            return new ParsedBatch([], errors);
        }
        if (records.Count == 0)
        {
            errors.Add(new RowError(-1, "(header)", "empty CSV: expected a header row"));
            return new ParsedBatch([], errors);
        }
        var header = records[0].Select(h => h.Trim()).ToArray();
        string[] known = ["year", "indicator", "sex", "area", "age", "numerator", "denominator", "value", "department"];
        foreach (var h in header.Where(h => !known.Contains(h)))
        {
            errors.Add(new RowError(-1, h, $"unknown column (expected {string.Join(", ", known)})"));
        }
        foreach (var dup in header.GroupBy(h => h).Where(g => g.Count() > 1))
        {
            errors.Add(new RowError(-1, dup.Key, "duplicate column"));
        }
        if (!header.Contains("indicator"))
        {
            errors.Add(new RowError(-1, "indicator", "required column"));
        }
        if (!header.Contains("year") && queryYear is null)
        {
            errors.Add(new RowError(-1, "year", "required column (or ?year= on the URL)"));
        }
        if (errors.Count > 0)
        {
            return new ParsedBatch([], errors);
        }
        var column = header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);
        var rows = new List<DataValueRow>();
        for (var r = 1; r < records.Count; r++)
        {
            var record = records[r];
            var index = r - 1;
            if (record.Length == 1 && record[0].Length == 0)
            {
                continue;
            }
            var before = errors.Count;
            void Error(string field, string message) => errors.Add(new RowError(index, field, $"{message} (line {r + 1})"));
            if (record.Length != header.Length)
            {
                Error("(row)", $"has {record.Length} columns, the header has {header.Length}");
                continue;
            }
            string? Cell(string name) => column.TryGetValue(name, out var i) && record[i].Trim().Length > 0 ? record[i].Trim() : null;
            decimal? Dec(string name)
            {
                var raw = Cell(name);
                if (raw is null) { return null; }
                if (decimal.TryParse(raw, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d)
                    && !Underflows(raw, d)) { return d; }
                Error(name, $"'{raw}' is not a number");
                return null;
            }
            var year = queryYear;
            if (Cell("year") is { } ys)
            {
                if (int.TryParse(ys, NumberStyles.None, CultureInfo.InvariantCulture, out var yy)) { year = yy; }
                else { Error("year", $"'{ys}' is not a year"); }
            }
            var indicator = Cell("indicator");
            if (indicator is null) { Error("indicator", "required"); }
            var disaggregation = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var category in Disaggregation.Categories)
            {
                if (Cell(category) is { } option) { disaggregation[category] = option; }
            }
            var (n, d, v) = (Dec("numerator"), Dec("denominator"), Dec("value"));
            if (errors.Count == before)
            {
                rows.Add(new DataValueRow(indicator!, year ?? 0, Disaggregation.Key(disaggregation), n, d, v, Cell("department")));
            }
        }
        return new ParsedBatch([.. rows], errors);
    }
}

/// <summary>A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF.</summary>
public static class Csv
{
    public static List<string[]> Parse(string text, out string? error)
    {
        error = null;
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else { quoted = false; }
                }
                else
                {
                    if (c == '\n') { line++; }
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add([.. fields]);
                    fields.Clear();
                    line++;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }
        if (quoted)
        {
            error = $"unterminated quoted field (line {line})";
            return records;
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }
        return records;
    }
}
