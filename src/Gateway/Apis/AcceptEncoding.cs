using Microsoft.Extensions.Primitives;

namespace OrleansPlans.Gateway.Apis;

/// <summary>Reading a request's Accept-Encoding (RFC 9110 §12.5.3) for the cached, pre-compressed responses.</summary>
public static class AcceptEncoding
{
    /// <summary>
    /// Whether the client accepts gzip: a <c>gzip</c> coding (any case) whose weight is not 0, or else, when gzip is not
    /// named, a <c>*</c> whose weight is not 0. Parsed in place, without splitting into strings: this runs on every
    /// roll-up read.
    /// </summary>
    public static bool AllowsGzip(StringValues acceptEncoding)
    {
        bool? gzip = null, any = null;
        foreach (var value in acceptEncoding)
        {
            var header = value.AsSpan();
            foreach (var range in header.Split(','))
            {
                var member = header[range];
                var semicolon = member.IndexOf(';');
                var coding = (semicolon < 0 ? member : member[..semicolon]).Trim();
                var acceptable = semicolon < 0 || !HasZeroWeight(member[(semicolon + 1)..]);
                if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
                {
                    gzip ??= acceptable;
                }
                else if (coding is "*")
                {
                    any ??= acceptable;
                }
            }
        }
        return gzip ?? any ?? false;
    }

    // The first "q=" parameter decides; an unreadable weight does not refuse the coding.
    private static bool HasZeroWeight(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            if (parameter.StartsWith("q=", StringComparison.Ordinal))
            {
                return double.TryParse(parameter[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var weight) && weight <= 0;
            }
        }
        return false;
    }
}
