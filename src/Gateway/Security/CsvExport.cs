using System.Text;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// CSV output safe to open in a spreadsheet: a cell starting with = + - @, a tab or a carriage return is prefixed
/// with an apostrophe so it is shown as text, never evaluated as a formula (OWASP "CSV injection"); every cell is
/// quoted per RFC 4180. Every text/csv export of the gateway goes through this.
/// </summary>
public static class CsvExport
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static string Neutralise(string? cell)
    {
        if (string.IsNullOrEmpty(cell))
        {
            return "";
        }
        return cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' or '＝' or '＋' or '－' or '＠' ? "'" + cell : cell;
    }

    /// <summary>Numbers are written invariantly and never prefixed (a negative number is data, not a formula).</summary>
    public static string Number(decimal? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";

    public static void AppendRow(StringBuilder csv, params string?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }
            csv.Append('"').Append((cells[i] ?? "").Replace("\"", "\"\"")).Append('"');
        }
        csv.Append("\r\n");
    }

    /// <summary>A text cell: neutralised, then quoted by <see cref="AppendRow"/>.</summary>
    public static string Text(string? value) => Neutralise(value);
}
